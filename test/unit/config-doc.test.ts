// docs/configuration.md is written from CONFIG_VARIABLES (lib/config-doc.ts): the committed
// file must be what the generator writes, so a variable added, changed or described anew in
// lib/config.ts shows up in the docs.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../lib/config.ts';
import { CONFIGURATION_DOC, REGENERATE_CONFIGURATION_DOC, renderConfigurationDoc, renderVariableTable } from '../../lib/config-doc.ts';

describe('docs/configuration.md', () => {
  it(`is what the generator writes (run \`${REGENERATE_CONFIGURATION_DOC}\`)`, () => {
    const committed = readFileSync(CONFIGURATION_DOC, 'utf8');
    expect(committed, `docs/configuration.md differs from CONFIG_VARIABLES in lib/config.ts: run \`${REGENERATE_CONFIGURATION_DOC}\` and commit the result`).toBe(renderConfigurationDoc());
  });

  it('has one row per variable, in the table order, each with a default and a sentence', () => {
    const rows = renderConfigurationDoc()
      .split('\n')
      .filter((line) => /^\| `DATAEX_/.test(line));
    expect(rows.map((row) => /^\| `(\w+)` \|/.exec(row)?.[1])).toEqual(CONFIG_VARIABLES.map((v) => v.name));
    for (const spec of CONFIG_VARIABLES) {
      expect(spec.description, spec.name).toMatch(/\S.*[.)]$/);
      expect(spec.description, spec.name).not.toMatch(/\n/);
    }
  });

  it('shows the parsed default in code font, a dash without one, or the words given for it', () => {
    const table = renderVariableTable([
      { name: 'DATAEX_A', kind: 'int', default: '5', description: 'Five.' },
      { name: 'DATAEX_B', kind: 'url', default: undefined, description: 'None; `a|b` escaped.' },
      { name: 'DATAEX_C', kind: 'string', default: undefined, description: 'Said.', docDefault: "simulator's" },
    ]);
    expect(table.slice(2)).toEqual(['| `DATAEX_A` | `5` | Five. |', '| `DATAEX_B` | — | None; `a\\|b` escaped. |', "| `DATAEX_C` | simulator's | Said. |"]);
  });

  it('keeps the hand-written text around the table', () => {
    const doc = renderConfigurationDoc();
    expect(doc.startsWith('# Configuration\n')).toBe(true);
    expect(doc).toContain('Every variable is optional; invalid values stop start-up with a message naming the variable.');
    expect(doc).toContain('The simulators run alone with `npm run start:sims');
    expect(doc).toContain('--max-semi-space-size=64 --min-semi-space-size=64 --heap-growing-percent=200');
    expect(doc.endsWith('\n')).toBe(true);
  });
});

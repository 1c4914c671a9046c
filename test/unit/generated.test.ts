// Every file derived from the exchange list and the subgraph SDLs (schema/generate.ts) is
// committed as `npm run generate` writes it: a change to the list, an SDL or the config table
// without regenerating fails here, naming the files.

import { describe, expect, it } from 'vitest';
import { GENERATORS, generate } from '../../schema/generate.ts';

describe('generated files', () => {
  it('has writers that render files (a list that renders nothing checks nothing)', () => {
    const files = GENERATORS.flatMap((g) => g.render());
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['schema/supergraph.graphql', 'schema/api.graphql', 'docs/configuration.md']));
    for (const f of files) expect(f.content.length, f.path).toBeGreaterThan(100);
  });

  it('are up to date (run `npm run generate`)', () => {
    expect(generate(false)).toEqual([]);
  });
});

// .graphqlrc.yml points editors at the client-facing schema and at documents that validate
// against it: a schema change that breaks a shipped document, or a config naming a file that
// is not there, fails here (as it would in a newcomer's editor).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.ts';

const config = parseYaml(readFileSync(join(ROOT, '.graphqlrc.yml'), 'utf8')) as { schema: string; documents: string[] };

describe('.graphqlrc.yml', () => {
  it('names the committed client-facing schema', () => {
    expect(config.schema).toBe('schema/api.graphql');
  });

  it('names documents that exist and validate against that schema', () => {
    const schema = buildSchema(readFileSync(join(ROOT, config.schema), 'utf8'));
    const files = config.documents.flatMap((pattern) => globSync(pattern, { cwd: ROOT }));
    expect(files.length).toBeGreaterThan(3);
    expect(files).toContain('examples/web/src/operations.ts');
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      // A TypeScript source holds its documents in `graphql(`…`)` calls, as editors read them.
      const source = file.endsWith('.ts') ? [...text.matchAll(/graphql\(`([^`]*)`\)/g)].map((m) => m[1]).join('\n') : text;
      expect(source.trim().length, file).toBeGreaterThan(0);
      const errors = validate(schema, parse(source));
      expect(
        errors.map((e) => e.message),
        file,
      ).toEqual([]);
    }
  });
});

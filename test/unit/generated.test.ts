// Every file derived from the exchange list and the subgraph SDLs (schema/generate.ts) is
// committed as `npm run generate` writes it: a change to the list, an SDL or the config table
// without regenerating fails here, naming the files.

import { describe, expect, it } from 'vitest';
import { GENERATORS, generate } from '../../schema/generate.ts';

describe('generated files', () => {
  it('has writers that render files (a list that renders nothing checks nothing)', async () => {
    const files = (await Promise.all(GENERATORS.map((g) => g.render()))).flat();
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['schema/supergraph.graphql', 'schema/api.graphql', 'docs/configuration.md', 'examples/web/src/gql/graphql.ts', 'examples/web/src/gql/persisted-documents.json']),
    );
    // The shortest is the example's gql/index.ts, two re-export lines.
    for (const f of files) expect(f.content.length, f.path).toBeGreaterThan(30);
  });

  it('are up to date (run `npm run generate`)', async () => {
    expect(await generate(false)).toEqual([]);
  });
});

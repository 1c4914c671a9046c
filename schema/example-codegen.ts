// The example app's typed operations (examples/web/src/gql/): GraphQL Code Generator's client
// preset run with examples/web/codegen.ts against the committed client schema. A writer of
// `npm run generate`, after the API schema is composed, so that a schema change regenerates the
// example's types and `tsc -p examples/web` (in `npm test`) fails when it breaks an operation.

import { join, relative, resolve } from 'node:path';
import type { GeneratedFile } from './generated-file.ts';
import { SCHEMA_DIR } from './paths.ts';

const ROOT = join(SCHEMA_DIR, '..');

export async function exampleCodegenFiles(): Promise<GeneratedFile[]> {
  // Loaded here, not at the top: the codegen CLI is large and only this writer needs it.
  const [{ generate }, { default: config, EXAMPLE_DOCUMENTS, EXAMPLE_OUTPUT, EXAMPLE_SCHEMA }] = await Promise.all([import('@graphql-codegen/cli'), import('../examples/web/codegen.ts')]);
  const fromRoot = (p: string) => (p.startsWith('!') ? `!${join(ROOT, p.slice(1))}` : join(ROOT, p));
  const output = join(ROOT, EXAMPLE_OUTPUT);
  const outputs = await generate(
    {
      ...config,
      cwd: ROOT,
      silent: true,
      schema: fromRoot(EXAMPLE_SCHEMA),
      documents: EXAMPLE_DOCUMENTS.map(fromRoot),
      generates: { [`${output}/`]: config.generates[EXAMPLE_OUTPUT] },
    },
    false,
  );
  return (outputs as Array<{ filename: string; content: string }>)
    .map((o) => ({ path: relative(ROOT, resolve(ROOT, o.filename)), content: o.content.endsWith('\n') ? o.content : `${o.content}\n` }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

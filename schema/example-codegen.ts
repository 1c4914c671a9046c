// The example app's typed operations (examples/web/src/gql/): GraphQL Code Generator's client
// preset, configured by EXAMPLE_CODEGEN below (examples/web/codegen.ts re-exports it for the
// codegen CLI), run against the committed client schema. A writer of
// `npm run generate`, after the API schema is composed, so that a schema change regenerates the
// example's types and `tsc -p examples/web` (in `npm test`) fails when it breaks an operation.

import { join, relative, resolve } from 'node:path';
import type { CodegenConfig } from '@graphql-codegen/cli';
import type { GeneratedFile } from './generated-file.ts';
import { SCHEMA_DIR } from './paths.ts';

const ROOT = join(SCHEMA_DIR, '..');

/** Paths from the repository root. */
export const EXAMPLE_SCHEMA = 'schema/api.graphql';
export const EXAMPLE_DOCUMENTS = ['examples/web/src/**/*.ts', '!examples/web/src/gql/**'];
export const EXAMPLE_OUTPUT = 'examples/web/src/gql/';

export const EXAMPLE_CODEGEN: CodegenConfig = {
  schema: EXAMPLE_SCHEMA,
  documents: EXAMPLE_DOCUMENTS,
  ignoreNoDocuments: false,
  // `./graphql.ts` in the generated imports: resolved alike by Vite, by the example's tsconfig
  // and by Node's type stripping (the browser test imports the generated documents).
  importExtension: '.ts',
  generates: {
    [EXAMPLE_OUTPUT]: {
      preset: 'client',
      config: {
        // Documents as strings with their hash: the bundle needs no GraphQL parser.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        // dataex's custom scalars as they arrive in JSON (docs/front-end.md).
        scalars: { DateTime: 'string', Long: 'string' },
      },
      presetConfig: {
        fragmentMasking: false,
        // The manifest dataex accepts: SHA-256 of each document (docs/trusted-documents.md).
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
    },
  },
};

export async function exampleCodegenFiles(): Promise<GeneratedFile[]> {
  // Loaded here, not at the top: the codegen CLI is large and only this writer needs it.
  const { generate } = await import('@graphql-codegen/cli');
  const config = EXAMPLE_CODEGEN;
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

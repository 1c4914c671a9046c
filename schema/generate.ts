// `npm run generate`: writes every file derived from the exchange list (subgraphs/exchanges.ts)
// and the subgraph SDLs, in order, each writer seeing what the ones before it wrote (the
// supergraph is composed from the SDL files). `npm run generate -- --check` writes nothing and
// fails naming the files that differ; test/unit/generated.test.ts does the same in the suite.
// A new derived file is one writer in GENERATORS.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { SCHEMA_DIR } from './paths.ts';
import { exchangeSdlFiles } from './exchange-sdl.ts';
import { composedFiles } from './compose.ts';
import { configurationDocFiles } from '../lib/config-doc.ts';
import { deployFiles } from './deploy-files.ts';
import { exchangeModuleFiles } from './exchange-modules.ts';
import { exampleCodegenFiles } from './example-codegen.ts';

import type { GeneratedFile } from './generated-file.ts';

export type { GeneratedFile };

export interface Generator {
  /** What it writes, for messages. */
  name: string;
  render(): GeneratedFile[] | Promise<GeneratedFile[]>;
}

export const ROOT = join(SCHEMA_DIR, '..');

/** Every writer, in the order they run. */
export const GENERATORS: readonly Generator[] = [
  { name: 'schema/<id>.graphql and the exchange types in schema/catalog.graphql (schema/exchange-sdl.ts)', render: exchangeSdlFiles },
  { name: 'supergraph, API schema and its ConfigMap (schema/compose.ts)', render: composedFiles },
  { name: 'docs/configuration.md (lib/config-doc.ts)', render: configurationDocFiles },
  { name: 'docker-compose.yml and deploy/k8s/{configmap,simulators,subgraphs}.yaml (schema/deploy-files.ts)', render: deployFiles },
  { name: 'the adapter and simulator import tables of the exchanges (schema/exchange-modules.ts)', render: exchangeModuleFiles },
  { name: "the example app's typed operations and persisted-documents manifest, examples/web/src/gql/ (schema/example-codegen.ts)", render: exampleCodegenFiles },
];

function current(path: string): string | undefined {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** Runs every writer; with `write`, each file is written before the next writer renders. Returns the files that differed. */
export async function generate(write: boolean): Promise<string[]> {
  const stale: string[] = [];
  for (const generator of GENERATORS) {
    for (const file of await generator.render()) {
      if (current(file.path) === file.content) continue;
      stale.push(file.path);
      if (!write) continue;
      mkdirSync(dirname(join(ROOT, file.path)), { recursive: true });
      writeFileSync(join(ROOT, file.path), file.content);
    }
  }
  return stale;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const stale = await generate(!check);
  if (check && stale.length > 0) {
    console.error(`stale (run \`npm run generate\`): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log(stale.length === 0 ? 'every generated file is up to date' : `wrote ${stale.map((p) => relative('.', join(ROOT, p))).join(', ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

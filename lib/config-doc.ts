// docs/configuration.md, written from CONFIG_VARIABLES (lib/config.ts): one table row per
// variable, between the hand-written text kept here (what is not about one variable).
// `npm run docs:config` writes the file (`-- --check` only compares);
// test/unit/config-doc.test.ts fails when the committed file differs from what this renders.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES, type VariableSpec } from './config.ts';
import { SUBGRAPHS, UPSTREAMS } from '../subgraphs/exchanges.ts';

/** The file this writes. */
export const CONFIGURATION_DOC = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

/** The command that rewrites it. */
export const REGENERATE_CONFIGURATION_DOC = 'npm run docs:config';

const BEFORE_TABLE = [
  '# Configuration',
  '',
  `<!-- Written by \`${REGENERATE_CONFIGURATION_DOC}\` from CONFIG_VARIABLES in lib/config.ts and the text in lib/config-doc.ts: edit those, then run it. -->`,
  '',
  'Every variable is optional; invalid values stop start-up with a message naming the variable.',
  '',
];

// Double-quoted: the text has backticks and apostrophes, no double quotes.
const AFTER_TABLE = [
  '',
  `The simulators run alone with \`npm run start:sims [${UPSTREAMS.map((u) => u.name).join(' ')}]\``,
  '(the same `DATAEX_SIM_<NAME>_PORT` ports, address `DATAEX_SIM_HOST`; under `npm start` they',
  'bind to `DATAEX_HOST`).',
  `One subgraph in its own process: \`npm run start:subgraph -- <${SUBGRAPHS.map((g) => g.name).join('|')}>\`.`,
  'The gateway alone: `npm run start:gateway` (with `DATAEX_SUBGRAPH_URLS` when the subgraphs are',
  'elsewhere).',
  '',
  'Node runs the gateway with a fixed 64 MiB young generation and a fixed old generation growing',
  'factor of 3 (`--max-semi-space-size=64 --min-semi-space-size=64 --heap-growing-percent=200`;',
  "Node's defaults are a young generation of up to 16 MiB that shrinks when idle, and a factor V8",
  'picks after every full GC, from 1.1 to 4). The npm start scripts pass all three; the image sets',
  "the first in `NODE_OPTIONS` for every process and the gateway's commands (Dockerfile `CMD`,",
  'compose, Kubernetes) add the other two, which `NODE_OPTIONS` may not carry; a test keeps them all',
  'equal. The flags were tuned on Node 20 and re-measured on Node 24 (2026-12-03, one interleaved',
  '`npm run bench -- --gateways dataex,dataex-nocache,ceiling --scenarios cold,detail,search',
  "--node-flags=…` per variant, reports in `bench/results/node24-flags/`; the machine's speed drifted",
  "up to 2× between variants, so what compares is each run's figures against its own ceiling):",
  '',
  "| dataex's Node flags | cold: gateway CPU per op ÷ the ceiling's | cold: req/s, cache on ÷ off | detail ÷ ceiling | search ÷ ceiling |",
  '| --- | ---: | ---: | ---: | ---: |',
  '| all four of Node 20 | 51.1 | 0.91 | 0.73 | 0.88 |',
  '| none | 60.7 | 0.25 | 0.65 | 0.93 |',
  '| without the growing factor | 52.3 | 0.92 | 0.70 | 1.03 |',
  '| without the 64 MiB young generation | 53.4 | 0.91 | 0.69 | 0.89 |',
  '| without `--no-memory-reducer` (now shipped) | 50.8 | 0.80 | 0.73 | 1.08 |',
  '',
  'Without any flag, the cold path with the response cache on fell to a quarter of the cache-off',
  "gateway's rate (103 req/s, p99 520 ms) and used 19 % more CPU per operation; the young generation",
  'and the growing factor each still pay on the cold path and on `detail`. `--no-memory-reducer`',
  '(kept on Node 20 because a heap shrunk while idle promoted request objects when load came back)',
  "no longer shows a gain in dataex's own CPU per operation or against the ceiling, so it was",
  'dropped (the lower cache on ÷ off figure in its run came from the cache-off gateway running',
  "faster, at 39.2× the ceiling's CPU per operation against 43.8×, not from dataex running slower).",
  "- 64 MiB: a request's short-lived objects mostly die before a scavenge instead of being copied",
  '  and promoted: on the cold benchmark path, ~7 % less gateway CPU per operation on Node 20, ~4 %',
  '  on Node 24.',
  '- Fixed size: a young generation that shrinks while idle promotes request objects by the',
  '  megabyte when load comes back.',
  '- Growing factor 3: V8 picks its factor from how fast it marks against how fast the old',
  '  generation grew, so after a quiet stretch it picks its minimum, 1.1, and the next full GC starts',
  '  as soon as the old generation has grown by a few MiB over the ~60 MiB the gateway keeps live (schema,',
  '  query plans, caches). While that GC marks, everything a request touches is kept (an object',
  '  promoted or written into a marked one stays alive until the GC ends, and so do the young objects',
  '  it points to), so under load the old generation grew by ~75 MB/s and the next GC began as soon',
  '  as the last ended: scavenges of ~20 ms that kept a quarter of what was allocated, Mark-Compact',
  '  after Mark-Compact, cache hits at 50–60 µs of CPU instead of ~33, p99 12–22 ms, RSS 400–520 MiB,',
  '  for as long as the load lasted. With the factor at 3 the next full GC waits for ~120 MiB more,',
  '  so full GCs become rare: a six-gateway bench run of `search` and',
  '  `detail` had no Mark-Compact at all in dataex, scavenges of 1.3–5 ms, peak RSS ~314 MiB, and',
  "  `detail` went from ~0.7× (the same run without the flag: 16.2–17.6k against the ceiling's",
  '  23.0–24.8k req/s) to 0.86× the ceiling, within the same hour.',
  '',
  '  The cost: the gateway keeps ~300 MiB resident when idle instead of shrinking to ~180 MiB (the',
  '  Kubernetes memory request is 384 MiB), and a gateway whose live heap grows (many distinct',
  "  query plans, a full entity cache; the response cache's bytes are outside the heap) lets its heap",
  "  reach three times the live size before a full GC; keep the container's memory limit (1 GiB in",
  '  `deploy/k8s`) well above that.',
];

/** A table cell: one line, pipes escaped. */
function cell(markdown: string): string {
  return markdown.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** The default column: `docDefault`, else the default in code font, else a dash. */
function defaultOf(spec: VariableSpec): string {
  if (spec.docDefault !== undefined) return spec.docDefault;
  return spec.default === undefined ? '—' : `\`${spec.default}\``;
}

/** The table of every variable, one row each, in CONFIG_VARIABLES' order. */
export function renderVariableTable(variables: readonly VariableSpec[] = CONFIG_VARIABLES): string[] {
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...variables.map((spec) => `| \`${spec.name}\` | ${cell(defaultOf(spec))} | ${cell(spec.description)} |`)];
}

/** docs/configuration.md as it should read. */
export function renderConfigurationDoc(variables: readonly VariableSpec[] = CONFIG_VARIABLES): string {
  return `${[...BEFORE_TABLE, ...renderVariableTable(variables), ...AFTER_TABLE].join('\n')}\n`;
}

/** docs/configuration.md as a writer of schema/generate.ts renders it. */
export function configurationDocFiles(): Array<{ path: string; content: string }> {
  return [{ path: 'docs/configuration.md', content: renderConfigurationDoc() }];
}

function main(): void {
  const expected = renderConfigurationDoc();
  let current: string | undefined;
  try {
    current = readFileSync(CONFIGURATION_DOC, 'utf8');
  } catch {
    current = undefined;
  }
  if (process.argv.includes('--check')) {
    if (current === expected) return console.log('docs/configuration.md is up to date');
    console.error(`docs/configuration.md is stale: run \`${REGENERATE_CONFIGURATION_DOC}\``);
    process.exitCode = 1;
    return;
  }
  if (current === expected) return console.log('docs/configuration.md is up to date');
  writeFileSync(CONFIGURATION_DOC, expected);
  console.log(`wrote docs/configuration.md (${CONFIG_VARIABLES.length} variables)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

// `npm start`: the whole stack on embedded defaults (simulators, subgraphs, gateway).

import { loadConfig } from './lib/config.ts';
import { startStack } from './lib/stack.ts';
import { failStartup, runUntilSignal } from './lib/process.ts';

const started = Date.now();
let stack;
try {
  stack = await startStack({ config: loadConfig() });
} catch (e) {
  failStartup(e);
}
const base = stack.gateway.url.replace(/\/graphql$/, '');
console.log('dataex is starting:');
for (const [name, sim] of Object.entries(stack.simulators)) console.log(`  simulator ${name.padEnd(8)} ${sim?.url}`);
for (const [name, s] of Object.entries(stack.subgraphs)) console.log(`  subgraph  ${name.padEnd(8)} ${s.url}`);
await stack.catalog.firstHarvest;
for (const s of stack.catalog.harvester.allStates()) {
  console.log(`  harvest   ${s.info.id.padEnd(8)} ${s.status} ${s.datasetCount} listings${s.lastError ? ` (${s.lastError})` : ''}`);
}
console.log(`\nready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`  GraphQL    ${stack.gateway.url}`);
console.log(`  playground ${base}/`);
console.log(`  health     ${base}/healthz  ${base}/readyz`);
console.log('Ctrl-C stops everything.');
const running = stack;
runUntilSignal(() => running.close());

// Bench target: the whole dataex stack on free ports in its own process. Prints one JSON line
// {"ready": true, "gateway": url, "simulators": {...}} once the first harvest is done.

import { loadConfig } from '../../lib/config.ts';
import { startStack } from '../../stack.ts';

const stack = await startStack({ config: loadConfig(), freePorts: true });
await stack.catalog.firstHarvest;
console.log(
  JSON.stringify({
    ready: true,
    gateway: stack.gateway.url,
    subgraphs: Object.fromEntries(Object.entries(stack.subgraphs).map(([k, s]) => [k, s.url])),
    simulators: Object.fromEntries(Object.entries(stack.simulators).map(([k, s]) => [k, s?.url])),
  }),
);
process.on('SIGTERM', () => void stack.close().then(() => process.exit(0)));

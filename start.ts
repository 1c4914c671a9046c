// `npm start`: the whole stack on embedded defaults (simulators, subgraphs, gateway). With
// DATAEX_WORKERS=n the gateway runs as n worker processes sharing the port.

import { loadConfig } from './lib/config.ts';
import { startBackends, startStack, subgraphUrlsOf, type RunningBackends } from './stack.ts';
import { forkGatewayWorkers } from './lib/workers.ts';
import { failStartup, runUntilSignal } from './lib/process.ts';
import { setupObservability, shutdownObservability } from './lib/observability/index.ts';

const started = Date.now();
const config = (() => {
  try {
    return loadConfig();
  } catch (e) {
    return failStartup(e);
  }
})();
// Logs: pretty on a terminal unless DATAEX_LOG_FORMAT says otherwise; tracing when configured.
const logFormat = process.env.DATAEX_LOG_FORMAT ? config.logFormat : process.stdout.isTTY ? 'pretty' : 'json';
setupObservability(config, 'dataex', { format: logFormat });

let backends: RunningBackends;
let gatewayUrl: string;
let stop: () => Promise<void>;
try {
  if (config.workers > 1) {
    backends = await startBackends({ config });
    const pool = forkGatewayWorkers(config.workers, {
      DATAEX_SUBGRAPH_URLS: Object.entries(subgraphUrlsOf(backends))
        .map(([name, url]) => `${name}=${url}`)
        .join(','),
      DATAEX_SIGNING_SECRET: backends.signingSecret,
      DATAEX_LOG_FORMAT: logFormat,
    });
    await pool.ready;
    gatewayUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}/graphql`;
    const b = backends;
    stop = async () => {
      await pool.close();
      await b.close();
    };
  } else {
    const stack = await startStack({ config });
    backends = stack;
    gatewayUrl = stack.gateway.url;
    stop = () => stack.close();
  }
} catch (e) {
  failStartup(e);
}

const base = gatewayUrl.replace(/\/graphql$/, '');
console.log('dataex is starting:');
for (const [name, sim] of Object.entries(backends.simulators)) console.log(`  simulator ${name.padEnd(8)} ${sim?.url}`);
for (const [name, s] of Object.entries(backends.subgraphs)) console.log(`  subgraph  ${name.padEnd(8)} ${s.url}`);
await backends.catalog.firstHarvest;
for (const s of backends.catalog.harvester.allStates()) {
  console.log(`  harvest   ${s.info.id.padEnd(8)} ${s.status} ${s.datasetCount} listings${s.lastError ? ` (${s.lastError})` : ''}`);
}
console.log(`\nready in ${((Date.now() - started) / 1000).toFixed(1)} s${config.workers > 1 ? ` (${config.workers} gateway workers)` : ''}`);
console.log(`  GraphQL    ${gatewayUrl}`);
console.log(`  playground ${base}/`);
console.log(`  health     ${base}/healthz  ${base}/readyz`);
console.log('Ctrl-C stops everything.');
runUntilSignal(async () => {
  await stop();
  await shutdownObservability();
});

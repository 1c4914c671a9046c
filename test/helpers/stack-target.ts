// Child-process target for the load and shutdown suites: the whole stack (stack.ts, as
// `npm start` runs it) on free ports, configured from the environment. Once the first harvest
// is done it prints one line `DATAEX_TARGET {json}` with its pid, the gateway and simulator
// URLs and an admin API key (test/helpers/target.ts starts it and reads that line). SIGUSR2
// runs a full GC (when started with --expose-gc) and answers `DATAEX_GC {json}` with its memory;
// SIGTERM/SIGINT stop it the way `npm start` stops (runUntilSignal).

import { loadConfig } from '../../lib/config.ts';
import { startStack, type RunningStack } from '../../stack.ts';
import { failStartup, runUntilSignal } from '../../lib/process.ts';
import { keyStoreFor } from '../../gateway/auth/keys.ts';
import type { TargetInfo } from './target.ts';

let stack: RunningStack;
try {
  const config = loadConfig(process.env);
  stack = await startStack({ config, freePorts: true });
  await stack.catalog.firstHarvest;
  const { key } = await keyStoreFor(config.dataDir, stack.cache.redis).create({ principalId: 'target-admin', role: 'admin' });
  const info: TargetInfo = {
    pid: process.pid,
    baseUrl: stack.gateway.url.replace(/\/graphql$/, ''),
    simulators: Object.fromEntries(Object.entries(stack.simulators).map(([name, sim]) => [name, sim!.url])),
    adminKey: key,
  };
  let gcRuns = 0;
  process.on('SIGUSR2', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    console.log(`DATAEX_GC ${JSON.stringify({ run: ++gcRuns, exposed: gc !== undefined, rss, heapUsed, heapTotal, external })}`);
  });
  console.log(`DATAEX_TARGET ${JSON.stringify(info)}`);
} catch (e) {
  failStartup(e);
}
const running = stack;
runUntilSignal(() => running.close());

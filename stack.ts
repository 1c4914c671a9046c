// The whole stack in one process: simulators (for upstreams without a configured URL), the
// subgraphs and the gateway. `npm start` runs it on the configured ports (DATAEX_PORT,
// DATAEX_<NAME>_PORT, DATAEX_SIM_<NAME>_PORT; defaults from subgraphs/exchanges.ts); the end-to-end
// tests run it on free ports (port 0 everywhere, except simulator ports set explicitly).

import type { DataexConfig } from './lib/config.ts';
import { EXCHANGES } from './subgraphs/exchanges.ts';
import type { RunningCatalog } from './subgraphs/catalog/subgraph.ts';
import type { RunningServer } from './subgraphs/common/server.ts';
import { startCatalog, startDataSubgraph } from './subgraphs/launch.ts';
import { DEFAULT_SIMULATOR_PORTS, SIMULATOR_NAMES, startSimulator, type SimulatorName, type UpstreamOptions } from './simulators/index.ts';
import { launchGateway, type LaunchedGateway } from './gateway/launch.ts';
import type { Clock } from './gateway/saved-queries/schedule/scheduler.ts';
import { createCacheSetup, type CacheSetup } from './lib/cache/setup.ts';
import { randomBytes } from 'node:crypto';
import { log } from './lib/observability/log.ts';

type RunningSimulator = Awaited<ReturnType<typeof startSimulator>>;

export interface StackOptions {
  config: DataexConfig;
  /** Use free ports for every server (tests, benchmarks). */
  freePorts?: boolean;
  /** Simulator token lifetime etc. for tests (every simulator). */
  simulatorOptions?: UpstreamOptions;
  /** The gateway's clock for schedules (tests move it by hand); default: the system clock. */
  clock?: Clock;
  /** One simulator's own options, over `simulatorOptions` (e.g. a raised rate limit for tests; each module documents its own). */
  upstreamOptions?: Partial<Record<SimulatorName, UpstreamOptions>>;
}

/** Everything but the gateway: upstreams (simulators or configured), caches, subgraphs. */
export interface RunningBackends {
  /** The secret callers are signed with (tests forge headers with and without it). */
  signingSecret: string;
  cache: CacheSetup;
  catalog: RunningCatalog;
  subgraphs: Record<string, RunningServer>;
  simulators: Partial<Record<SimulatorName, RunningSimulator>>;
  /** Upstream base URL per exchange id and "registry". */
  upstreamUrls: Record<string, string>;
  close(): Promise<void>;
}

export interface RunningStack extends RunningBackends {
  gateway: LaunchedGateway;
}

/** The whole stack: backends, then the gateway in front of them. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const backends = await startBackends(options);
  try {
    const gateway = await launchGateway(options.config, backends.cache, {
      signingSecret: backends.signingSecret,
      port: options.freePorts ? 0 : options.config.port,
      subgraphUrls: subgraphUrlsOf(backends),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    return {
      ...backends,
      gateway,
      async close() {
        await gateway.close();
        await backends.close();
      },
    };
  } catch (e) {
    await backends.close();
    throw e;
  }
}

/** Where each subgraph of these backends listens (for the gateway's DATAEX_SUBGRAPH_URLS). */
export function subgraphUrlsOf(backends: RunningBackends): Record<string, string> {
  return Object.fromEntries(Object.entries(backends.subgraphs).map(([name, s]) => [name, s.url]));
}

export async function startBackends(options: StackOptions): Promise<RunningBackends> {
  const { config } = options;
  const port = (p: number) => (options.freePorts ? 0 : p);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((e) => log.error({ component: 'stack', err: e }, 'close failed'));
  };

  try {
    // 1. Upstreams: configured URLs, or simulators.
    const simulators: Partial<Record<SimulatorName, RunningSimulator>> = {};
    const upstreamUrls: Record<string, string> = {};
    for (const name of SIMULATOR_NAMES) {
      const configured = config.upstreamUrls[name];
      if (configured) {
        upstreamUrls[name] = configured;
      } else if (config.startSimulators) {
        // DATAEX_SIM_<NAME>_PORT when set (free-port mode included), else the default port.
        const simPort = config.simulatorPorts[name] ?? port(DEFAULT_SIMULATOR_PORTS[name]);
        const sim = await startSimulator(name, {
          port: simPort,
          host: config.host,
          seed: config.seed,
          scale: config.simScale,
          latencyMs: config.simLatencyMs,
          ...options.simulatorOptions,
          ...options.upstreamOptions?.[name],
        }).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EADDRINUSE') throw e;
          const variable = `DATAEX_SIM_${name.toUpperCase()}_PORT`;
          throw new Error(`cannot start the ${name} simulator: port ${simPort} is in use (set ${variable}, or DATAEX_${name.toUpperCase()}_URL for a real upstream)`, { cause: e });
        });
        simulators[name] = sim;
        upstreamUrls[name] = sim.url;
        closers.push(() => sim.close());
      } else {
        throw new Error(`DATAEX_${name.toUpperCase()}_URL is not set and DATAEX_SIMULATORS=false: nothing to talk to for ${name}`);
      }
    }

    // 2. Caches: one memory tier per component, Redis shared when configured.
    const cache = createCacheSetup({ redisUrl: config.redisUrl, redisCluster: config.redisCluster, redisPrefix: config.redisPrefix, memoryBytes: config.cacheMemoryBytes });
    closers.push(() => cache.close());

    // 3. Subgraphs, each with its own adapters, as it would have in its own process. In one
    // process, a fresh random secret signs the caller unless one is configured.
    const signingSecret = config.signingSecret ?? randomBytes(32).toString('base64url');
    const launch = (name: string) => ({ config, upstreamUrls, cache, signingSecret, port: port(config.subgraphPorts[name]) });
    const catalog = await startCatalog(launch('catalog'));
    closers.push(() => catalog.close());
    const subgraphs: Record<string, RunningServer> = { catalog };
    for (const name of [...EXCHANGES.map((e) => e.id), 'registry']) {
      const server = await startDataSubgraph(name, launch(name));
      subgraphs[name] = server;
      closers.push(() => server.close());
    }

    return { signingSecret, cache, catalog, subgraphs, simulators, upstreamUrls, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

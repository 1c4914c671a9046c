// Starting simulators: one upstream (or all of them) on a port, with the shared control surface.
// Which simulators there are, and their default ports, come from the exchange list
// (subgraphs/exchanges.ts UPSTREAMS: the exchanges, then the registry); an exchange's simulator
// is `createUpstream` of simulators/<id>.ts, found through exchange-simulators.generated.ts.

import { UPSTREAMS } from '../subgraphs/exchanges.ts';
import { readLatencyMs } from './config.ts';
import { createControlledApp, type SimulatorName, type Upstream, type UpstreamFactory, type UpstreamOptions } from './control.ts';
import { EXCHANGE_SIMULATORS } from './exchange-simulators.generated.ts';
import { listen } from './http.ts';
import { registryUpstream } from './registry.ts';
import { generateWorld, type World } from './world.ts';

export type { SimulatorName, UpstreamOptions } from './control.ts';
export { generateWorld } from './world.ts';
export type { World } from './world.ts';

/** Every simulator, in the list's order: the exchanges, then the registry. */
export const SIMULATOR_NAMES = UPSTREAMS.map((u) => u.name) as readonly SimulatorName[];

/** Each simulator's default port (the list's `simulatorPort`; DATAEX_SIM_<NAME>_PORT overrides it). */
export const DEFAULT_SIMULATOR_PORTS = Object.fromEntries(UPSTREAMS.map((u) => [u.name, u.simulatorPort])) as Readonly<Record<SimulatorName, number>>;

/** How each simulator's upstream API is made: the exchanges' modules by convention, the registry's here. */
const UPSTREAM_FACTORIES: Readonly<Record<SimulatorName, UpstreamFactory>> = {
  ...EXCHANGE_SIMULATORS,
  registry: (world) => registryUpstream(world),
};

export interface SimulatorOptions extends UpstreamOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default DATAEX_SEED, else 20240506. */
  seed?: number;
  /** Default DATAEX_SIM_SCALE, else 1. */
  scale?: number;
  /** Latency added to every upstream response; default DATAEX_SIM_LATENCY_MS, else 0. */
  latencyMs?: number;
}

export interface RunningSimulator {
  name: SimulatorName;
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:4101 */
  url: string;
  port: number;
  world: World;
  /** Stops the server and ends every connection, hung ones included. */
  close(): Promise<void>;
}

export function isSimulatorName(name: string): name is SimulatorName {
  return (SIMULATOR_NAMES as readonly string[]).includes(name);
}

function upstreamFor(name: SimulatorName, world: World, options: SimulatorOptions): Upstream {
  return UPSTREAM_FACTORIES[name](world, options);
}

function checkOptions(name: string, options: SimulatorOptions): void {
  const { port, latencyMs, tokenTtlSeconds } = options;
  if (!isSimulatorName(name)) throw new RangeError(`unknown simulator "${name}" (expected ${SIMULATOR_NAMES.join(', ')})`);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new RangeError(`port must be an integer 0..65535, got ${port}`);
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) throw new RangeError(`latencyMs must be ≥ 0, got ${latencyMs}`);
  if (tokenTtlSeconds !== undefined && !(Number.isFinite(tokenTtlSeconds) && tokenTtlSeconds >= 0)) {
    throw new RangeError(`tokenTtlSeconds must be ≥ 0, got ${tokenTtlSeconds}`);
  }
}

export async function startSimulator(name: SimulatorName, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  checkOptions(name, options);
  const world = generateWorld({ seed: options.seed, scale: options.scale });
  const app = createControlledApp(upstreamFor(name, world, options), { seed: world.seed, latencyMs: options.latencyMs ?? readLatencyMs() });
  const server = await listen(app.listener, { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    name,
    url: server.url,
    port: server.port,
    world,
    async close() {
      app.shutdown();
      await server.close();
    },
  };
}

export type RunningSimulators = Record<SimulatorName, RunningSimulator> & { close(): Promise<void> };

/** Every simulator (free ports unless `ports` says otherwise), sharing one world; `upstreamOptions`: one upstream's own options, over the shared ones. */
export async function startSimulators(
  options: Omit<SimulatorOptions, 'port'> & { ports?: Partial<Record<SimulatorName, number>>; upstreamOptions?: Partial<Record<SimulatorName, UpstreamOptions>> } = {},
): Promise<RunningSimulators> {
  const { ports = {}, upstreamOptions = {}, ...shared } = options;
  const started: RunningSimulator[] = [];
  try {
    for (const name of SIMULATOR_NAMES) started.push(await startSimulator(name, { ...shared, ...upstreamOptions[name], port: ports[name] ?? 0 }));
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
  const byName = Object.fromEntries(started.map((s) => [s.name, s])) as Record<SimulatorName, RunningSimulator>;
  return {
    ...byName,
    async close() {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}

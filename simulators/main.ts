// CLI: `node simulators/main.ts [<name> ...]` runs the named simulators (default all of them:
// each exchange of subgraphs/exchanges.ts, then the registry) on their ports in that list
// (4101…) or DATAEX_SIM_<NAME>_PORT.

import { readHost, readLatencyMs, readPort, readScale, readSeed, SimConfigError } from './config.ts';
import { DEFAULT_SIMULATOR_PORTS, isSimulatorName, SIMULATOR_NAMES, startSimulator, type RunningSimulator, type SimulatorName } from './index.ts';

function fail(message: string): never {
  console.error(`simulators: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !isSimulatorName(a));
  if (unknown.length > 0) fail(`unknown simulator ${unknown.map((u) => `"${u}"`).join(', ')}; choose from ${SIMULATOR_NAMES.join(', ')}`);
  const names = args.length > 0 ? [...new Set(args as SimulatorName[])] : [...SIMULATOR_NAMES];

  let settings: { host: string; seed: number; scale: number; latencyMs: number; ports: Record<string, number> };
  try {
    settings = {
      host: readHost(),
      seed: readSeed(),
      scale: readScale(),
      latencyMs: readLatencyMs(),
      ports: Object.fromEntries(names.map((n) => [n, readPort(process.env, n, DEFAULT_SIMULATOR_PORTS[n])])),
    };
  } catch (e) {
    if (e instanceof SimConfigError) fail(e.message);
    throw e;
  }

  const running: RunningSimulator[] = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`simulators: ${signal}, stopping`);
    await Promise.all(running.map((s) => s.close()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  for (const name of names) {
    const port = settings.ports[name];
    try {
      running.push(await startSimulator(name, { port, host: settings.host, seed: settings.seed, scale: settings.scale, latencyMs: settings.latencyMs }));
    } catch (e) {
      await Promise.all(running.map((s) => s.close()));
      const reason = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${port} is in use (set DATAEX_SIM_${name.toUpperCase()}_PORT)` : (e as Error).message;
      fail(`cannot start ${name}: ${reason}`);
    }
  }
  const world = running[0].world;
  console.log(`simulators: seed ${world.seed}, scale ${world.scale}, latency ${settings.latencyMs} ms`);
  for (const sim of running) console.log(`  ${sim.name.padEnd(9)} ${sim.url}`);
}

main().catch((e) => fail((e as Error).stack ?? String(e)));

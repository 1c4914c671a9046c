// `npm start` (start.ts → stack.ts) puts the bundled simulators on DATAEX_SIM_<NAME>_PORT
// when set (else the list's ports, 4101…), the way `npm run start:sims` does; an explicit port is
// honoured in the tests' free-port mode too. The simulators are the list's upstreams
// (subgraphs/exchanges.ts UPSTREAMS: every exchange, then the registry).

import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../lib/config.ts';
import { startStack, type RunningStack } from '../../stack.ts';
import { SUBGRAPHS, UPSTREAMS } from '../../subgraphs/exchanges.ts';
import { DEFAULT_SIMULATOR_PORTS, SIMULATOR_NAMES, type SimulatorName } from '../../simulators/index.ts';

const SIMS = UPSTREAMS.map((u) => u.name) as SimulatorName[];

/** `n` distinct ports free right now (all held open together, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const baseEnv = () => ({
  DATAEX_DATA_DIR: mkdtempSync(join(tmpdir(), 'dataex-simports-')),
  DATAEX_PROBE_INTERVAL_MS: '0',
  DATAEX_HARVEST_INTERVAL_MS: '0',
  DATAEX_RATE_LIMITS: 'off',
});

let stack: RunningStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function simStatsAt(port: number): Promise<number> {
  const res = await request(`http://127.0.0.1:${port}/__sim/stats`);
  await res.body.text();
  return res.statusCode;
}

it('npm start runs the simulators on DATAEX_SIM_<NAME>_PORT and the subgraphs use them', async () => {
  // Every port explicit, as `npm start` would be run next to something holding the defaults.
  const [gateway, ...ports] = await freePorts(1 + SUBGRAPHS.length + SIMS.length);
  const subgraphPorts = ports.slice(0, SUBGRAPHS.length);
  const simPorts = Object.fromEntries(SIMS.map((name, i) => [name, ports[SUBGRAPHS.length + i]]));
  const config = loadConfig({
    ...baseEnv(),
    DATAEX_PORT: String(gateway),
    ...Object.fromEntries(SUBGRAPHS.map((s, i) => [`DATAEX_${s.name.toUpperCase()}_PORT`, String(subgraphPorts[i])])),
    ...Object.fromEntries(SIMS.map((name) => [`DATAEX_SIM_${name.toUpperCase()}_PORT`, String(simPorts[name])])),
  });
  // start.ts: `startStack({ config })`, no free-port mode.
  stack = await startStack({ config });
  for (const name of SIMS) {
    expect(stack.simulators[name]?.port, name).toBe(simPorts[name]);
    expect(stack.upstreamUrls[name], name).toBe(`http://127.0.0.1:${simPorts[name]}`);
    expect(await simStatsAt(simPorts[name]), name).toBe(200);
  }
  // The catalog harvested every exchange from those simulators.
  await stack.catalog.firstHarvest;
  for (const s of stack.catalog.harvester.allStates()) {
    expect(s.status, s.info.id).toBe('ONLINE');
    expect(s.datasetCount, s.info.id).toBeGreaterThan(0);
  }
  expect(stack.gateway.port).toBe(gateway);
  for (const [i, s] of SUBGRAPHS.entries()) expect(stack.subgraphs[s.name]?.port, s.name).toBe(subgraphPorts[i]);
}, 120_000);

it('free-port mode (tests) still honours an explicitly set simulator port', async () => {
  const [shanghai] = await freePorts(1);
  const config = loadConfig({ ...baseEnv(), DATAEX_SIM_SHANGHAI_PORT: String(shanghai) });
  stack = await startStack({ config, freePorts: true });
  expect(stack.simulators.shanghai?.port).toBe(shanghai);
  expect(await simStatsAt(shanghai)).toBe(200);
  // The others are on free ports, not on the defaults.
  for (const name of SIMS.filter((n) => n !== 'shanghai')) {
    expect(stack.simulators[name]?.port, name).not.toBe(shanghai);
    expect(Object.values(DEFAULT_SIMULATOR_PORTS), name).not.toContain(stack.simulators[name]?.port);
  }
}, 120_000);

it("the simulators are the list's upstreams, on the list's ports by default", () => {
  expect(SIMULATOR_NAMES).toEqual(SIMS);
  expect(DEFAULT_SIMULATOR_PORTS).toEqual(Object.fromEntries(UPSTREAMS.map((u) => [u.name, u.simulatorPort])));
});

it('an invalid simulator port stops start-up naming the variable', () => {
  expect(() => loadConfig({ DATAEX_SIM_GUIYANG_PORT: '70000' })).toThrow(ConfigError);
  expect(() => loadConfig({ DATAEX_SIM_GUIYANG_PORT: 'abc' })).toThrow(/DATAEX_SIM_GUIYANG_PORT/);
});

it('a simulator port in use stops start-up naming the variable to set', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
  const busy = (holder.address() as { port: number }).port;
  try {
    const config = loadConfig({ ...baseEnv(), DATAEX_SIM_REGISTRY_PORT: String(busy) });
    await expect(startStack({ config, freePorts: true })).rejects.toThrow(new RegExp(`port ${busy} is in use \\(set DATAEX_SIM_REGISTRY_PORT`));
  } finally {
    await new Promise((r) => holder.close(r));
  }
}, 120_000);

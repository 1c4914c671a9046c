// `npm start` (start.ts → stack.ts) puts the bundled simulators on DATAEX_SIM_<NAME>_PORT
// when set (else 4101–4104), the way `npm run start:sims` does; an explicit port is honoured in
// the tests' free-port mode too.

import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../lib/config.ts';
import { startStack, type RunningStack } from '../../stack.ts';

const SIMS = ['beijing', 'shanghai', 'guiyang', 'registry'] as const;

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
  // Every port explicit, as `npm start` would be run next to something holding 4000–4104.
  const [gateway, catalog, beijing, shanghai, guiyang, registry, ...sims] = await freePorts(10);
  const simPorts = Object.fromEntries(SIMS.map((name, i) => [name, sims[i]]));
  const config = loadConfig({
    ...baseEnv(),
    DATAEX_PORT: String(gateway),
    DATAEX_CATALOG_PORT: String(catalog),
    DATAEX_BEIJING_PORT: String(beijing),
    DATAEX_SHANGHAI_PORT: String(shanghai),
    DATAEX_GUIYANG_PORT: String(guiyang),
    DATAEX_REGISTRY_PORT: String(registry),
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
}, 120_000);

it('free-port mode (tests) still honours an explicitly set simulator port', async () => {
  const [shanghai] = await freePorts(1);
  const config = loadConfig({ ...baseEnv(), DATAEX_SIM_SHANGHAI_PORT: String(shanghai) });
  stack = await startStack({ config, freePorts: true });
  expect(stack.simulators.shanghai?.port).toBe(shanghai);
  expect(await simStatsAt(shanghai)).toBe(200);
  // The others are on free ports, not on the defaults.
  for (const name of ['beijing', 'guiyang', 'registry'] as const) {
    expect(stack.simulators[name]?.port, name).not.toBe(shanghai);
    expect([4101, 4102, 4103, 4104], name).not.toContain(stack.simulators[name]?.port);
  }
}, 120_000);

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

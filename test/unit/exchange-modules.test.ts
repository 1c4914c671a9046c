// Each exchange's code is found by convention from its id in the list (subgraphs/exchanges.ts),
// through the import tables `npm run generate` writes (schema/exchange-modules.ts): every
// exchange has an adapter factory that builds its adapter from the entry, configuration and the
// development credentials, and a simulator that `npm start` runs on the list's port.
// (generated.test.ts fails when a committed table is stale.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { credentialVariable, EXCHANGES, UPSTREAMS } from '../../subgraphs/exchanges.ts';
import { DEVELOPMENT_UPSTREAM_CREDENTIALS, loadConfig } from '../../lib/config.ts';
import { EXCHANGE_ADAPTERS } from '../../subgraphs/exchange-modules.generated.ts';
import { createExchangeAdapter } from '../../subgraphs/adapters.ts';
import type { AdapterFactoryOptions } from '../../subgraphs/common/adapter.ts';
import { UpstreamClient } from '../../subgraphs/common/upstream.ts';
import { ResilienceRegistry } from '../../subgraphs/common/resilience/index.ts';
import { EXCHANGE_SIMULATORS } from '../../simulators/exchange-simulators.generated.ts';
import { DEFAULT_SIMULATOR_PORTS, generateWorld, isSimulatorName, SIMULATOR_NAMES } from '../../simulators/index.ts';
import { EXCHANGE_MODULES_FILE, EXCHANGE_SIMULATORS_FILE, exchangeModuleFiles, renderExchangeModules, renderExchangeSimulators } from '../../schema/exchange-modules.ts';
import { ROOT } from '../helpers/process.ts';

/** An address nothing is asked at: building an adapter makes no call. */
const NOWHERE = 'http://127.0.0.1:9';
const ids = EXCHANGES.map((e) => e.id);
const development = DEVELOPMENT_UPSTREAM_CREDENTIALS as Readonly<Record<string, Readonly<Record<string, string>>>>;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the exchange import tables', () => {
  it('list exactly the exchanges of the list, in its order', () => {
    expect(Object.keys(EXCHANGE_ADAPTERS)).toEqual(ids);
    expect(Object.keys(EXCHANGE_SIMULATORS)).toEqual(ids);
  });

  it("are what the writer renders: one import of each exchange's module, by convention from its id", () => {
    expect(exchangeModuleFiles().map((f) => f.path)).toEqual([EXCHANGE_MODULES_FILE, EXCHANGE_SIMULATORS_FILE]);
    const adapters = renderExchangeModules();
    const simulators = renderExchangeSimulators();
    expect(readFileSync(join(ROOT, EXCHANGE_MODULES_FILE), 'utf8')).toBe(adapters);
    expect(readFileSync(join(ROOT, EXCHANGE_SIMULATORS_FILE), 'utf8')).toBe(simulators);
    for (const text of [adapters, simulators]) expect(text).toMatch(/^\/\/ Written by `npm run generate`/);
    for (const id of ids) {
      expect(adapters).toContain(`from './${id}/adapter.ts';`);
      expect(simulators).toContain(`from './${id}.ts';`);
    }
    expect(adapters.match(/^import \{ createAdapter as /gm)).toHaveLength(ids.length);
    expect(simulators.match(/^import \{ createUpstream as /gm)).toHaveLength(ids.length);
  });
});

describe('adapters by convention', () => {
  it('every exchange has a factory that builds its adapter from the info it is given', async () => {
    for (const e of EXCHANGES) {
      const info = { id: e.id, name: e.name, city: e.city };
      const adapter = EXCHANGE_ADAPTERS[e.id]({ info, baseUrl: NOWHERE, client: new UpstreamClient({ upstream: e.id, baseUrl: NOWHERE }), credentials: {} });
      try {
        expect(adapter.info, e.id).toEqual(info);
      } finally {
        await adapter.close();
      }
    }
  });

  it("createExchangeAdapter hands each factory the entry's info and its credentials by the list's keys, development values where unset", async () => {
    // The first credential of each exchange configured, the others left to their development value.
    const env = Object.fromEntries(EXCHANGES.map((e) => [credentialVariable(e.id, e.credentials[0].key), `configured-${e.id}`]));
    const config = loadConfig({ DATAEX_DATA_DIR: '/tmp/dataex-exchange-modules-test', ...env });
    const registry = new ResilienceRegistry();
    for (const e of EXCHANGES) {
      const factory = vi.spyOn(EXCHANGE_ADAPTERS as Record<string, (o: AdapterFactoryOptions) => unknown>, e.id);
      const adapter = createExchangeAdapter(e.id, NOWHERE, config, { registry });
      try {
        expect(factory, e.id).toHaveBeenCalledTimes(1);
        const options = factory.mock.calls[0][0];
        expect(options.info).toEqual({ id: e.id, name: e.name, city: e.city });
        expect(options.baseUrl).toBe(NOWHERE);
        expect(options.client).toBeInstanceOf(UpstreamClient);
        const expected = Object.fromEntries(e.credentials.map((c, i) => [c.key, i === 0 ? `configured-${e.id}` : development[e.id][c.key]]));
        expect(options.credentials, e.id).toEqual(expected);
        expect(adapter.info.id).toBe(e.id);
      } finally {
        await adapter.close();
      }
    }
  });

  it('refuses an id that is not an exchange of the list', () => {
    const config = loadConfig({ DATAEX_DATA_DIR: '/tmp/dataex-exchange-modules-test' });
    expect(() => createExchangeAdapter('registry', NOWHERE, config)).toThrow(/no adapter for exchange registry/);
    expect(() => createExchangeAdapter('toString', NOWHERE, config)).toThrow(/no adapter for exchange toString/);
  });
});

describe('simulators from the list', () => {
  it("are the list's upstreams (every exchange, then the registry) on its ports", () => {
    expect(SIMULATOR_NAMES).toEqual(UPSTREAMS.map((u) => u.name));
    expect(DEFAULT_SIMULATOR_PORTS).toEqual(Object.fromEntries(UPSTREAMS.map((u) => [u.name, u.simulatorPort])));
    for (const u of UPSTREAMS) expect(isSimulatorName(u.name), u.name).toBe(true);
    expect(isSimulatorName('catalog')).toBe(false);
  });

  it("every exchange's simulator module serves that exchange's upstream", () => {
    const world = generateWorld({ seed: 20240506, scale: 0.05 });
    for (const id of ids) {
      const upstream = EXCHANGE_SIMULATORS[id](world, {});
      expect(upstream.name, id).toBe(id);
      expect(upstream.routes.length, id).toBeGreaterThan(0);
    }
  });
});

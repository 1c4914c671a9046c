// Generic hooks an exchange's folder and list entry use without shared code naming it:
// (a) adapter settings declared in its entry (`settings`): configuration variables
//     DATAEX_<ID>_<KEY> with docs, `config.settings[id]`, handed to its `createAdapter`;
// (b) per-upstream simulator options and the exchange's test speed (`simulator.testSpeed`),
//     applied together by test stacks (test/helpers/stack.ts);
// (c) its own certificate rule in the world's details (`detailStyle.certificates`).
// The exchanges here are fakes built in this test.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { exchangeSettings, exchangeSettingVariables, ConfigError, loadConfig, readVariables } from '../../lib/config.ts';
import { EXCHANGES, settingVariable, settingsOf, type ExchangeDefinition } from '../../subgraphs/exchanges.ts';
import { EXCHANGE_ADAPTERS } from '../../subgraphs/exchange-modules.generated.ts';
import { createExchangeAdapter } from '../../subgraphs/adapters.ts';
import type { AdapterFactoryOptions } from '../../subgraphs/common/adapter.ts';
import { ResilienceRegistry } from '../../subgraphs/common/resilience/index.ts';
import { generateDetail, type DetailStyle } from '../../simulators/details.ts';
import { EXCHANGE_WORLD_PARTS, generateWorld, type ExchangeSimulator } from '../../simulators/world.ts';
import { startSimulators } from '../../simulators/index.ts';
import { testSpeedOf } from '../helpers/stack.ts';

const NOWHERE = 'http://127.0.0.1:9';

afterEach(() => {
  vi.restoreAllMocks();
});

const fake: ExchangeDefinition = {
  ...EXCHANGES[0],
  id: 'fake',
  label: 'Fake',
  typeName: 'FakeDataset',
  settings: [
    { key: 'callsPerSecond', kind: 'number', default: '5', description: 'Calls per second.' },
    { key: 'strict', kind: 'bool', default: 'false', description: 'Strict mode.' },
  ],
};

describe('(a) exchange settings', () => {
  it('declare configuration variables DATAEX_<ID>_<KEY> with their kind, default and description', () => {
    expect(settingVariable('fake', 'callsPerSecond')).toBe('DATAEX_FAKE_CALLS_PER_SECOND');
    expect(exchangeSettingVariables([fake])).toEqual([
      { name: 'DATAEX_FAKE_CALLS_PER_SECOND', kind: 'number', default: '5', description: 'Calls per second.' },
      { name: 'DATAEX_FAKE_STRICT', kind: 'bool', default: 'false', description: 'Strict mode.' },
    ]);
    // An entry without settings has none.
    expect(settingsOf(EXCHANGES[0])).toEqual([]);
  });

  it('parse into settings by key: defaults where unset, the value where set, errors naming the variable', () => {
    const specs = exchangeSettingVariables([fake]);
    expect(exchangeSettings([fake], readVariables({}, specs))).toEqual({ fake: { callsPerSecond: 5, strict: false } });
    expect(exchangeSettings([fake], readVariables({ DATAEX_FAKE_CALLS_PER_SECOND: '250', DATAEX_FAKE_STRICT: 'yes' }, specs))).toEqual({
      fake: { callsPerSecond: 250, strict: true },
    });
    expect(() => readVariables({ DATAEX_FAKE_CALLS_PER_SECOND: 'fast' }, specs)).toThrow(ConfigError);
    expect(() => readVariables({ DATAEX_FAKE_CALLS_PER_SECOND: 'fast' }, specs)).toThrow(/DATAEX_FAKE_CALLS_PER_SECOND/);
  });

  it('loadConfig gives every exchange of the list its settings ({} without any), and createExchangeAdapter hands them to its factory', async () => {
    const config = loadConfig({ DATAEX_DATA_DIR: '/tmp/dataex-exchange-plugins-test' });
    expect(Object.keys(config.settings)).toEqual(EXCHANGES.map((e) => e.id));
    for (const e of EXCHANGES) expect(config.settings[e.id], e.id).toEqual(Object.fromEntries(settingsOf(e).map((s) => [s.key, expect.anything()])));
    const marked = { ...config, settings: { ...config.settings, [EXCHANGES[0].id]: { marker: 42 } } };
    const factory = vi.spyOn(EXCHANGE_ADAPTERS as Record<string, (o: AdapterFactoryOptions) => unknown>, EXCHANGES[0].id);
    const adapter = createExchangeAdapter(EXCHANGES[0].id, NOWHERE, marked, { registry: new ResilienceRegistry() });
    try {
      expect(factory.mock.calls[0][0].settings).toEqual({ marker: 42 });
    } finally {
      await adapter.close();
    }
  });
});

describe('(b) simulator options per upstream and test speed', () => {
  const fast = (id: string): ExchangeSimulator => ({
    ...EXCHANGE_WORLD_PARTS[0],
    id,
    testSpeed: { upstream: { callsPerSecond: 1000 }, settings: { callsPerSecond: '1000' } },
  });

  it("testSpeedOf turns each module's testSpeed into its settings' variables and its simulator's options; modules without one add nothing", () => {
    expect(testSpeedOf([EXCHANGE_WORLD_PARTS[0], fast('fake')])).toEqual({
      env: { DATAEX_FAKE_CALLS_PER_SECOND: '1000' },
      upstreamOptions: { fake: { callsPerSecond: 1000 } },
    });
    expect(testSpeedOf([EXCHANGE_WORLD_PARTS[0]])).toEqual({ env: {}, upstreamOptions: {} });
  });

  it("startSimulators hands one upstream its own options, over the shared ones (Shanghai's token lifetime)", async () => {
    const sims = await startSimulators({ tokenTtlSeconds: 300, upstreamOptions: { shanghai: { tokenTtlSeconds: 0.001 } } });
    try {
      const token = async () => {
        const res = await fetch(`${sims.shanghai.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&client_id=dataex-sh&client_secret=sh-secret-77d1e2',
        });
        return (await res.json()) as { expires_in?: number };
      };
      expect((await token()).expires_in).toBeLessThan(1);
    } finally {
      await sims.close();
    }
  });
});

describe('(c) an exchange’s certificate rule', () => {
  const world = generateWorld({ seed: 20240506, scale: 1 });
  const listing = world.listings.beijing[0];
  const base: DetailStyle = { registrationCertNo: (seq, year) => `R-${year}-${seq}`, ipOffice: { issuer: 'IP', abbr: 'I' } };

  it('replaces the default certificate mix, drawn from the detail stream', () => {
    const seen: unknown[] = [];
    const style: DetailStyle = {
      ...base,
      certificates(rng, l, name) {
        seen.push([l, name]);
        return rng.chance(1) ? [{ number: `C-${rng.int(1, 9)}`, issuer: name, issuedAtMs: l.createdAtMs, kind: '合规评估报告' }] : [];
      },
    };
    const a = generateDetail({ name: 'Fake exchange', style }, listing);
    const b = generateDetail({ name: 'Fake exchange', style }, listing);
    expect(a).toEqual(b);
    expect(seen).toEqual([
      [listing, 'Fake exchange'],
      [listing, 'Fake exchange'],
    ]);
    expect(a.certificates).toHaveLength(1);
    expect(a.certificates[0]).toMatchObject({ issuer: 'Fake exchange', kind: '合规评估报告', issuedAtMs: listing.createdAtMs });
    expect(a.pricing).toEqual(listing.pricePlans);
  });

  it('without one, the default mix (never the rule’s kind)', () => {
    const d = generateDetail({ name: 'Fake exchange', style: base }, listing);
    for (const c of d.certificates) expect(['数据产品登记凭证', '数据知识产权登记证书', '合规评估意见书']).toContain(c.kind);
  });
});

// One source of the resilience defaults (lib/resilience-settings.ts): the configuration
// variables' defaults, the guards adapters get, and docs/configuration.md all say the same.
// Before, lib/config.ts said 64 in flight / 2000 waiting and the resilience code 16 / 64, and
// only the configuration's values ever applied.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../lib/config.ts';
import { DEFAULT_RESILIENCE_SETTINGS } from '../../../lib/resilience-settings.ts';
import { ADAPTER_RESILIENCE, createExchangeAdapter, createRegistryAdapterFromConfig } from '../../../subgraphs/adapters.ts';
import { ResilienceRegistry, resolveResilienceSettings } from '../../../subgraphs/common/resilience/index.ts';

/** The variable behind each resilience setting that configuration sets. */
const VARIABLES = {
  maxAttempts: 'DATAEX_UPSTREAM_MAX_ATTEMPTS',
  breakerFailureRate: 'DATAEX_UPSTREAM_BREAKER_FAILURE_RATE',
  breakerHalfOpenAfterMs: 'DATAEX_UPSTREAM_BREAKER_COOLDOWN_MS',
  bulkheadConcurrency: 'DATAEX_UPSTREAM_CONCURRENCY',
  bulkheadQueue: 'DATAEX_UPSTREAM_QUEUE',
} as const;

const config = loadConfig({ DATAEX_DATA_DIR: '/tmp/dataex-resilience-test' });

describe('resilience defaults', () => {
  it('are the defaults of the configuration variables', () => {
    for (const [setting, variable] of Object.entries(VARIABLES) as Array<[keyof typeof VARIABLES, string]>) {
      const spec = CONFIG_VARIABLES.find((v) => v.name === variable);
      expect(spec?.default, variable).toBe(String(DEFAULT_RESILIENCE_SETTINGS[setting]));
      expect(config.resilience[setting], variable).toBe(DEFAULT_RESILIENCE_SETTINGS[setting]);
    }
    expect(Object.keys(config.resilience).sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it('are what an adapter built from default configuration runs with, and what a guard gets without any', async () => {
    expect(ADAPTER_RESILIENCE).toEqual(DEFAULT_RESILIENCE_SETTINGS);
    expect(resolveResilienceSettings()).toEqual(DEFAULT_RESILIENCE_SETTINGS);
    const registry = new ResilienceRegistry();
    const exchange = createExchangeAdapter('beijing', 'http://127.0.0.1:9', config, { registry });
    const upstreamRegistry = createRegistryAdapterFromConfig('http://127.0.0.1:9', config, { registry });
    try {
      expect(registry.guard('beijing')!.settings).toEqual(DEFAULT_RESILIENCE_SETTINGS);
      expect(registry.guard('registry')!.settings).toEqual(DEFAULT_RESILIENCE_SETTINGS);
    } finally {
      await exchange.close();
      await upstreamRegistry.close();
    }
  });

  it('keep the bulkhead production has run with: 64 calls in flight and 2000 waiting per upstream and process', () => {
    expect(DEFAULT_RESILIENCE_SETTINGS).toMatchObject({ bulkheadConcurrency: 64, bulkheadQueue: 2000, maxAttempts: 3, breakerFailureRate: 0.5, breakerHalfOpenAfterMs: 5000 });
  });

  it('are the defaults docs/configuration.md shows', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const [setting, variable] of Object.entries(VARIABLES) as Array<[keyof typeof VARIABLES, string]>) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${variable}\` |`));
      expect(row, variable).toBeDefined();
      expect(row!.split(' | ')[1], variable).toBe(`\`${DEFAULT_RESILIENCE_SETTINGS[setting]}\``);
    }
  });
});

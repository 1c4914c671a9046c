// Builds each upstream's adapter from configuration. Adding an exchange = one line in
// ADAPTER_FACTORIES (and one in exchanges.ts).
//
// Every UpstreamClient built here carries the resilience policy (retry with backoff and budget,
// circuit breaker, bulkhead: subgraphs/common/resilience/) of its upstream, shared by all the
// clients of that upstream in this process and visible through `upstreamHealth`.

import type { DataexConfig } from '../lib/config.ts';
import type { ExchangeAdapter, RegistryAdapter } from './common/adapter.ts';
import { UpstreamClient, type UpstreamClientOptions } from './common/upstream.ts';
import { DEFAULT_RESILIENCE_SETTINGS, upstreamHealth, type GuardLease, type ResilienceRegistry, type ResilienceSettings } from './common/resilience/index.ts';
import { createBeijingAdapter } from './beijing/adapter.ts';
import { createShanghaiAdapter } from './shanghai/adapter.ts';
import { createGuiyangAdapter } from './guiyang/adapter.ts';
import { createRegistryAdapter } from './registry/adapter.ts';

type Credentials = DataexConfig['credentials'];

export interface AdapterBuildOptions {
  /** Overrides of DEFAULT_RESILIENCE_SETTINGS (e.g. from configuration variables). */
  resilience?: Partial<ResilienceSettings>;
  /** Where the guards live; default the process-wide `upstreamHealth`. */
  registry?: ResilienceRegistry;
}

/** The settings adapters get when nothing is passed; see ResilienceSettings for each one. */
export const ADAPTER_RESILIENCE: Readonly<ResilienceSettings> = DEFAULT_RESILIENCE_SETTINGS;

const ADAPTER_FACTORIES: Record<string, (baseUrl: string, client: UpstreamClient, c: Credentials[string]) => ExchangeAdapter> = {
  beijing: (baseUrl, client, c) => createBeijingAdapter({ baseUrl, client, appKey: c.appKey, appSecret: c.appSecret }),
  shanghai: (baseUrl, client, c) => createShanghaiAdapter({ baseUrl, client, clientId: c.clientId, clientSecret: c.clientSecret }),
  guiyang: (baseUrl, client, c) => createGuiyangAdapter({ baseUrl, client, appId: c.appId, appSecret: c.appSecret }),
};

/** An UpstreamClient holding a lease on its upstream's guard, given back on close. */
class GuardedUpstreamClient extends UpstreamClient {
  private readonly lease: GuardLease;
  constructor(options: UpstreamClientOptions, lease: GuardLease) {
    super({ ...options, policy: lease.guard.policy });
    this.lease = lease;
  }

  override async close(): Promise<void> {
    this.lease.release();
    await super.close();
  }
}

function upstreamClient(upstream: string, baseUrl: string, config: DataexConfig, options: AdapterBuildOptions): UpstreamClient {
  const t = config.upstreamTimeoutMs;
  const lease = (options.registry ?? upstreamHealth).acquire(upstream, { ...ADAPTER_RESILIENCE, ...config.resilience, ...options.resilience });
  try {
    return new GuardedUpstreamClient({ upstream, baseUrl, timeouts: { headersMs: t, bodyMs: t, totalMs: t * 2 } }, lease);
  } catch (e) {
    lease.release();
    throw e;
  }
}

export function createExchangeAdapter(exchange: string, baseUrl: string, config: DataexConfig, options: AdapterBuildOptions = {}): ExchangeAdapter {
  const factory = ADAPTER_FACTORIES[exchange];
  if (!factory) throw new Error(`no adapter for exchange ${exchange}: add one to subgraphs/adapters.ts`);
  return factory(baseUrl, upstreamClient(exchange, baseUrl, config, options), config.credentials[exchange] ?? {});
}

export function createRegistryAdapterFromConfig(baseUrl: string, config: DataexConfig, options: AdapterBuildOptions = {}): RegistryAdapter {
  return createRegistryAdapter({
    baseUrl,
    client: upstreamClient('registry', baseUrl, config, options),
    apiKey: config.credentials.registry?.apiKey,
  });
}

// Builds each upstream's adapter from configuration. An exchange's adapter is found by
// convention: `subgraphs/<id>/adapter.ts` exports `createAdapter` (AdapterFactoryOptions), listed
// by id in exchange-modules.generated.ts, which `npm run generate` writes from the exchange list.
//
// Every UpstreamClient built here carries the resilience policy (retry with backoff and budget,
// circuit breaker, bulkhead: subgraphs/common/resilience/) of its upstream, shared by all the
// clients of that upstream in this process and visible through `upstreamHealth`.

import { DEVELOPMENT_UPSTREAM_CREDENTIALS, type DataexConfig } from '../lib/config.ts';
import type { ExchangeAdapter, RegistryAdapter } from './common/adapter.ts';
import { UpstreamClient, type UpstreamClientOptions } from './common/upstream.ts';
import { DEFAULT_RESILIENCE_SETTINGS, upstreamHealth, type GuardLease, type ResilienceRegistry, type ResilienceSettings } from './common/resilience/index.ts';
import { createRegistryAdapter } from './registry/adapter.ts';
import { exchangeById } from './exchanges.ts';
import { EXCHANGE_ADAPTERS } from './exchange-modules.generated.ts';

export interface AdapterBuildOptions {
  /** Overrides of DEFAULT_RESILIENCE_SETTINGS (e.g. from configuration variables). */
  resilience?: Partial<ResilienceSettings>;
  /** Where the guards live; default the process-wide `upstreamHealth`. */
  registry?: ResilienceRegistry;
}

/** The settings adapters get when nothing is passed; see ResilienceSettings for each one. */
export const ADAPTER_RESILIENCE: Readonly<ResilienceSettings> = DEFAULT_RESILIENCE_SETTINGS;

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

/** The configured credentials of an upstream by the list's keys, the development values (what the simulator accepts) where unset. */
function credentialsOf(upstream: string, config: DataexConfig): Record<string, string | undefined> {
  const development: Readonly<Record<string, string>> = (DEVELOPMENT_UPSTREAM_CREDENTIALS as Readonly<Record<string, Readonly<Record<string, string>>>>)[upstream] ?? {};
  const configured = config.credentials[upstream] ?? {};
  const keys = new Set([...Object.keys(development), ...Object.keys(configured)]);
  return Object.fromEntries([...keys].map((key) => [key, configured[key] ?? development[key]]));
}

export function createExchangeAdapter(exchange: string, baseUrl: string, config: DataexConfig, options: AdapterBuildOptions = {}): ExchangeAdapter {
  const entry = exchangeById(exchange);
  const factory = Object.hasOwn(EXCHANGE_ADAPTERS, exchange) ? EXCHANGE_ADAPTERS[exchange as keyof typeof EXCHANGE_ADAPTERS] : undefined;
  if (!entry || !factory) throw new Error(`no adapter for exchange ${exchange}: add it to subgraphs/exchanges.ts with subgraphs/${exchange}/adapter.ts, then run \`npm run generate\``);
  return factory({
    info: { id: entry.id, name: entry.name, city: entry.city },
    baseUrl,
    client: upstreamClient(exchange, baseUrl, config, options),
    credentials: credentialsOf(exchange, config),
    settings: config.settings[exchange] ?? {},
  });
}

export function createRegistryAdapterFromConfig(baseUrl: string, config: DataexConfig, options: AdapterBuildOptions = {}): RegistryAdapter {
  return createRegistryAdapter({
    baseUrl,
    client: upstreamClient('registry', baseUrl, config, options),
    apiKey: config.credentials.registry?.apiKey,
  });
}

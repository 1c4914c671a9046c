// Builds each upstream's adapter from configuration. Adding an exchange = one line in
// ADAPTER_FACTORIES (and one in exchanges.ts).

import type { DataexConfig } from '../lib/config.ts';
import type { ExchangeAdapter, RegistryAdapter } from './common/adapter.ts';
import { UpstreamClient } from './common/upstream.ts';
import { createBeijingAdapter } from './beijing/adapter.ts';
import { createShanghaiAdapter } from './shanghai/adapter.ts';
import { createGuiyangAdapter } from './guiyang/adapter.ts';
import { createRegistryAdapter } from './registry/adapter.ts';

type Credentials = DataexConfig['credentials'];

const ADAPTER_FACTORIES: Record<string, (baseUrl: string, client: UpstreamClient, c: Credentials) => ExchangeAdapter> = {
  beijing: (baseUrl, client, c) => createBeijingAdapter({ baseUrl, client, appKey: c.beijingAppKey, appSecret: c.beijingAppSecret }),
  shanghai: (baseUrl, client, c) => createShanghaiAdapter({ baseUrl, client, clientId: c.shanghaiClientId, clientSecret: c.shanghaiClientSecret }),
  guiyang: (baseUrl, client, c) => createGuiyangAdapter({ baseUrl, client, appId: c.guiyangAppId, appSecret: c.guiyangAppSecret }),
};

function upstreamClient(upstream: string, baseUrl: string, config: DataexConfig): UpstreamClient {
  const t = config.upstreamTimeoutMs;
  return new UpstreamClient({ upstream, baseUrl, timeouts: { headersMs: t, bodyMs: t, totalMs: t * 2 } });
}

export function createExchangeAdapter(exchange: string, baseUrl: string, config: DataexConfig): ExchangeAdapter {
  const factory = ADAPTER_FACTORIES[exchange];
  if (!factory) throw new Error(`no adapter for exchange ${exchange}: add one to subgraphs/adapters.ts`);
  return factory(baseUrl, upstreamClient(exchange, baseUrl, config), config.credentials);
}

export function createRegistryAdapterFromConfig(baseUrl: string, config: DataexConfig): RegistryAdapter {
  return createRegistryAdapter({
    baseUrl,
    client: upstreamClient('registry', baseUrl, config),
    apiKey: config.credentials.registryApiKey,
  });
}

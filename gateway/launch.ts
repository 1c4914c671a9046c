// Starts the gateway from configuration with everything plugged in (keys, caches, routes,
// plugins): used by `npm start`, `npm run start:gateway`, the tests and the benchmarks.

import type { DataexConfig } from '../lib/config.ts';
import type { CacheSetup } from '../lib/cache/setup.ts';
import { startGateway, type RunningGateway } from './server.ts';
import { readSupergraph } from './supergraph.ts';
import { keyStoreFor } from './auth/keys.ts';
import { DocumentChecker } from './limits/document-limits.ts';
import { MemoryRateLimiter, RedisRateLimiter } from '../lib/rate-limit.ts';
import { FileAuditLog, RedisAuditLog } from './audit/log.ts';
import { gatewayRoutes } from './route-list.ts';
import { gatewayPlugins } from './plugin-list.ts';
import { gatewayCaching } from './caching.ts';
import { signingSecretOf } from '../lib/principal-token.ts';
import { clientKeyOfFor } from './client-key.ts';
import { TrustedDocuments, trustedDocumentStoreFor } from './trusted-documents/store.ts';
import { runHistoryFor, type RunHistory } from './saved-queries/history.ts';
import type { Clock } from './saved-queries/schedule/scheduler.ts';

/** A running gateway and its run history (the scheduler, for tests that move its clock). */
export type LaunchedGateway = RunningGateway & { history: RunHistory };

export async function launchGateway(
  config: DataexConfig,
  cache: CacheSetup,
  overrides: { port?: number; subgraphUrls?: Record<string, string>; signingSecret?: string; clock?: Clock } = {},
): Promise<LaunchedGateway> {
  const caching = gatewayCaching(config, cache);
  const trustedDocuments = new TrustedDocuments(trustedDocumentStoreFor(config), config.trustedDocuments);
  const keyStore = keyStoreFor(config.dataDir, cache.redis);
  const history = runHistoryFor(config, cache.redis, keyStore, overrides.clock);
  const audit = config.audit ? (cache.redis ? new RedisAuditLog(cache.redis, config.dataDir) : new FileAuditLog(config.dataDir)) : undefined;
  try {
    const gateway = await startGateway({
      supergraphSdl: readSupergraph(config.supergraphPath),
      supergraphPath: config.supergraphPath,
      subgraphUrls: { ...overrides.subgraphUrls, ...config.subgraphUrls },
      port: overrides.port ?? config.port,
      host: config.host,
      subgraphTimeoutMs: config.subgraphTimeoutMs,
      requestDeadlineMs: config.requestDeadlineMs,
      essentialSubgraphs: ['catalog'],
      redisState: () => (cache.redis ? (cache.redis.status === 'ready' ? 'up' : 'down') : 'off'),
      signingSecret: overrides.signingSecret ?? signingSecretOf(config, 'gateway'),
      bodyLimitBytes: config.bodyLimitBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      shutdownDelayMs: config.shutdownDelayMs,
      corsOrigins: config.corsOrigins,
      // Introspection stays on in Apollo; the introspection guard turns it off for public callers.
      introspection: true,
      keyStore,
      documents: new DocumentChecker(config.limits),
      rateLimiter: cache.redis ? new RedisRateLimiter(cache.redis) : new MemoryRateLimiter(),
      rateLimits: config.rateLimits,
      onlySaved: config.onlySaved,
      trustedDocuments,
      clientKeyOf: clientKeyOfFor(config.trustProxy),
      audit,
      routes: gatewayRoutes(config, { responseCache: caching.responseCache, bus: cache.bus, audit, trustedDocuments, history }),
      plugins: gatewayPlugins(config),
      responseCache: caching.responseCache,
      entityCache: caching.entityCache,
      apqCache: caching.apqCache,
    });
    return {
      ...gateway,
      history,
      async close() {
        await gateway.close();
        caching.close();
      },
    };
  } catch (e) {
    caching.close();
    throw e;
  }
}

// The gateway's HTTP route modules beyond /graphql and health, in matching order.

import type { DataexConfig } from '../lib/config.ts';
import type { GatewayServices, RouteModule } from './routes.ts';
import { savedQueryRoutes } from './saved-queries/routes.ts';
import { playgroundRoutes } from './playground/routes.ts';
import { cacheAdminRoutes } from './admin/cache-routes.ts';
import type { ResponseCache } from './response-cache/cache.ts';
import type { InvalidationBus } from '../lib/cache/bus.ts';
import type { AuditLog } from './audit/log.ts';
import { auditRoutes } from './admin/audit-routes.ts';
import { metricsRoutes } from './admin/metrics-routes.ts';
import { trustedDocumentRoutes } from './trusted-documents/routes.ts';
import type { TrustedDocuments } from './trusted-documents/store.ts';
import type { RunHistory } from './saved-queries/history.ts';

export interface RouteDeps {
  responseCache: ResponseCache | undefined;
  bus: InvalidationBus;
  audit?: AuditLog;
  /** Published documents (the request path reads the same ones). */
  trustedDocuments?: TrustedDocuments;
  /** Kept runs and schedules of saved queries; undefined = none (runs are not kept). */
  history?: RunHistory;
}

export function gatewayRoutes(config: DataexConfig, deps: RouteDeps): Array<(services: GatewayServices) => RouteModule> {
  return [
    ...(config.metrics ? [() => metricsRoutes()] : []),
    (s) => savedQueryRoutes(config, s, deps.history),
    (s) => cacheAdminRoutes({ services: s, cache: deps.responseCache, bus: deps.bus }),
    (s) => auditRoutes({ services: s, audit: deps.audit }),
    ...(deps.trustedDocuments ? [(s: GatewayServices) => trustedDocumentRoutes({ services: s, documents: deps.trustedDocuments!, bodyLimitBytes: config.bodyLimitBytes })] : []),
    ...(config.playground ? [(s: GatewayServices) => playgroundRoutes(config, s)] : []),
  ];
}

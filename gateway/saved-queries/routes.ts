// Saved queries HTTP API (issue: saved queries for analysts). Placeholder until it lands:
// matches nothing.

import type { DataexConfig } from '../../lib/config.ts';
import type { GatewayServices, RouteModule } from '../routes.ts';

export function savedQueryRoutes(_config: DataexConfig, _services: GatewayServices): RouteModule {
  return { matches: () => false, handle: async () => undefined };
}

// Console (playground and saved-query runner). Placeholder until it lands: matches nothing.

import type { DataexConfig } from '../../lib/config.ts';
import type { GatewayServices, RouteModule } from '../routes.ts';

export function playgroundRoutes(_config: DataexConfig, _services: GatewayServices): RouteModule {
  return { matches: () => false, handle: async () => undefined };
}

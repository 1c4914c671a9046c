// The gateway's HTTP route modules beyond /graphql and health, in matching order.

import type { DataexConfig } from '../lib/config.ts';
import type { GatewayServices, RouteModule } from './routes.ts';
import { savedQueryRoutes } from './saved-queries/routes.ts';
import { playgroundRoutes } from './playground/routes.ts';

export function gatewayRoutes(config: DataexConfig): Array<(services: GatewayServices) => RouteModule> {
  return [(s) => savedQueryRoutes(config, s), ...(config.playground ? [(s: GatewayServices) => playgroundRoutes(config, s)] : [])];
}

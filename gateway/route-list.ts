// The gateway's HTTP route modules beyond /graphql and health, in matching order.

import type { DataexConfig } from '../lib/config.ts';
import type { GatewayServices, RouteModule } from './routes.ts';

export function gatewayRoutes(_config: DataexConfig): Array<(services: GatewayServices) => RouteModule> {
  return [];
}

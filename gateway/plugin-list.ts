// The gateway's Apollo Server plugins, one concern each, in order.

import type { ApolloServerPlugin } from '@apollo/server';
import type { DataexConfig } from '../lib/config.ts';
import type { GatewayContext } from './server.ts';
import { onlySavedPlugin } from './plugins/only-saved.ts';

export function gatewayPlugins(_config: DataexConfig): ApolloServerPlugin<GatewayContext>[] {
  return [onlySavedPlugin(_config)];
}

// The gateway's Apollo Server plugins, one concern each, in order.

import type { ApolloServerPlugin } from '@apollo/server';
import type { DataexConfig } from '../lib/config.ts';
import type { GatewayContext } from './contracts.ts';
import { onlySavedPlugin } from './plugins/only-saved.ts';
import { costLimitPlugin } from './plugins/cost-limit.ts';
import { introspectionGuardPlugin } from './plugins/introspection-guard.ts';
import { scalarInputPlugin } from './plugins/scalar-input.ts';

export function gatewayPlugins(config: DataexConfig): ApolloServerPlugin<GatewayContext>[] {
  return [
    // First: the others may read the schema once it loads, with Long and DateTime parsing attached.
    scalarInputPlugin(),
    onlySavedPlugin(config),
    // Also holds saved queries to the document limits and the cost budgets when they are saved.
    costLimitPlugin(config.costBudgets, { limits: config.limits }),
    ...(config.introspection ? [] : [introspectionGuardPlugin()]),
  ];
}

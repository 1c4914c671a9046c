// The gateway's Apollo Server plugins, one concern each: the one list that says what runs, in
// order. Hooks of one kind run in this order (Apollo Server calls each plugin's hook in turn).

import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { DataexConfig } from '../lib/config.ts';
import type { GatewayContext } from './contracts.ts';
import { cacheDecisionPlugin } from './plugins/cache-decision.ts';
import { staleReportPlugin } from './plugins/stale-report.ts';
import { operationFactsPlugin } from './plugins/operation-facts.ts';
import { onlySavedPlugin } from './plugins/only-saved.ts';
import { costLimitPlugin } from './plugins/cost-limit.ts';
import { introspectionGuardPlugin } from './plugins/introspection-guard.ts';
import { scalarInputPlugin } from './plugins/scalar-input.ts';

export type PluginConfig = Pick<DataexConfig, 'onlySaved' | 'costBudgets' | 'limits' | 'introspection'>;

export function gatewayPlugins(config: PluginConfig): ApolloServerPlugin<GatewayContext>[] {
  return [
    // The console is dataex's own (/console); Apollo's landing page would fetch from a CDN.
    ApolloServerPluginLandingPageDisabled(),
    // What the endpoint reads once the answer is made (context.outcome): whether it may be
    // stored, which upstreams were stale, the operation's name, hash and error codes.
    cacheDecisionPlugin(),
    staleReportPlugin(),
    operationFactsPlugin(),
    // Before the limits: they may read the schema once it loads, with Long and DateTime parsing attached.
    scalarInputPlugin(),
    onlySavedPlugin(config),
    // Also holds saved queries to the document limits and the cost budgets when they are saved.
    costLimitPlugin(config.costBudgets, { limits: config.limits }),
    ...(config.introspection ? [] : [introspectionGuardPlugin()]),
  ];
}

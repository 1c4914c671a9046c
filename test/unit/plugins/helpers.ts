// A tiny Apollo Server per test, with the plugins under test and a small schema, run through
// `executeOperation` with a GatewayContext, the way the gateway runs every operation.

import { afterEach } from 'vitest';
import { ApolloServer, type ApolloServerOptions, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import type { FormattedExecutionResult, GraphQLError } from 'graphql';
import type { GatewayContext } from '../../../gateway/contracts.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal, type Role } from '../../../lib/principal.ts';

/** A caller of `role` with the role's default clearance. */
export function principalOf(role: Role, id = `key-${role}`): Principal {
  return { id, role, ...DEFAULT_CLEARANCE[role] };
}

export function contextOf(principal: Principal = ANONYMOUS, extra: Partial<GatewayContext> = {}): GatewayContext {
  return { principal, stale: new Set(), outcome: {}, ...extra };
}

const running: ApolloServer<GatewayContext>[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

interface ServerOptions {
  typeDefs: string;
  resolvers?: Record<string, Record<string, unknown>>;
  plugins: ApolloServerPlugin<GatewayContext>[];
  formatError?: ApolloServerOptions<GatewayContext>['formatError'];
  includeStacktraceInErrorResponses?: boolean;
}

/** A started server (stopped after the test). */
export async function serverWith(options: ServerOptions): Promise<ApolloServer<GatewayContext>> {
  const server = new ApolloServer<GatewayContext>({
    typeDefs: options.typeDefs,
    resolvers: options.resolvers as never,
    plugins: options.plugins,
    introspection: true,
    includeStacktraceInErrorResponses: options.includeStacktraceInErrorResponses ?? false,
    ...(options.formatError ? { formatError: options.formatError } : {}),
    stopOnTerminationSignals: false,
  });
  running.push(server);
  await server.start();
  return server;
}

export interface Run {
  status: number | undefined;
  headers: Map<string, string>;
  result: FormattedExecutionResult;
  context: GatewayContext;
}

/** Runs one operation with `context` and returns the single result, HTTP status and headers. */
export async function run(
  server: ApolloServer<GatewayContext>,
  request: { query?: string; variables?: Record<string, unknown>; operationName?: string; extensions?: Record<string, unknown> },
  context: GatewayContext = contextOf(),
): Promise<Run> {
  const response: GraphQLResponse = await server.executeOperation(request, { contextValue: context });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return { status: response.http.status, headers: response.http.headers, result: response.body.singleResult as FormattedExecutionResult, context };
}

/** The codes of a result's errors. */
export const codesOf = (result: FormattedExecutionResult) => (result.errors ?? []).map((e) => e.extensions?.code);

/** The GraphQL error a call fails with (fails the test when the call succeeds). */
export async function failureOf(promise: Promise<unknown>): Promise<GraphQLError> {
  try {
    await promise;
  } catch (e) {
    return e as GraphQLError;
  }
  throw new Error('expected the call to fail');
}

/** Apollo's cache-control directive, for schemas of plugins that read cache hints. */
export const CACHE_CONTROL_SDL = `
  enum CacheControlScope {
    PUBLIC
    PRIVATE
  }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

// gateway/request/execute.ts: each execution gets its own context (caller, deadline, the saved
// query it runs), and in-process runs speak JSON whatever the original request asked for.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { apolloRequestOf, createExecutor, jsonRequestOf } from '../../../gateway/request/execute.ts';
import type { GatewayContext } from '../../../gateway/contracts.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';

const ana: Principal = { id: 'ana', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };
const req = { method: 'POST', headers: { accept: 'text/csv', 'content-type': 'text/plain', 'content-length': '12', traceparent: '00-abc' } } as unknown as IncomingMessage;

describe('execution', () => {
  it('runs each request with a fresh context of its caller, deadline and saved query', async () => {
    const seen: GatewayContext[] = [];
    const apollo = {
      async executeHTTPGraphQLRequest({ context }: { context: () => Promise<GatewayContext> }) {
        const c = await context();
        seen.push(c);
        c.outcome.facts = { operationName: 'Q', queryHash: null, errorCodes: [], hasData: true, resolved: true };
        return { status: 200, headers: new HeaderMap(), body: { kind: 'complete', string: '{}' } };
      },
    } as unknown as ApolloServer<GatewayContext>;
    const execute = createExecutor(apollo, 2_000);
    const before = Date.now();
    const a = await execute(apolloRequestOf(req, '', {}), ana, 'weekly');
    const b = await execute(apolloRequestOf(req, '', {}), ANONYMOUS);
    expect(seen[0]).toBe(a.context);
    expect(a.context).toMatchObject({ principal: ana, savedQuery: 'weekly' });
    expect(a.context.outcome.facts?.operationName).toBe('Q'); // what plugins report reaches the caller
    expect(b.context.principal).toBe(ANONYMOUS);
    expect(b.context.savedQuery).toBeUndefined();
    expect(b.context.outcome).not.toBe(a.context.outcome);
    expect(a.context.deadline! - before).toBeGreaterThanOrEqual(2_000);
    expect(a.context.deadline! - Date.now()).toBeLessThanOrEqual(2_000);
  });

  it("sends an in-process run as JSON, keeping the caller's other headers", () => {
    const request = jsonRequestOf(req, { query: '{ a }' });
    expect(request.method).toBe('POST');
    expect(request.headers.get('accept')).toBe('application/json');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.headers.has('content-length')).toBe(false);
    expect(request.headers.get('traceparent')).toBe('00-abc');
    expect(request.body).toEqual({ query: '{ a }' });
    expect(apolloRequestOf(req, '?x=1', undefined).headers.get('accept')).toBe('text/csv');
  });
});

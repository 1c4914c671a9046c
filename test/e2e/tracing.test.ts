// Tracing across the whole stack, in-process, with an in-memory exporter: one search with live
// fields and registrations gives one trace in which the gateway's request span, its subgraph
// fetch spans, the subgraphs' request spans (linked across the HTTP hop by `traceparent`
// only: each subgraph extracts its parent from the header) and the upstream calls all hang
// together parent → child. A client's own traceparent is continued; an upstream call carries
// traceparent out of the process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { installTracing, SCOPES, type TracingHandle } from '../../lib/observability/tracing.ts';
import { UpstreamClient } from '../../subgraphs/common/upstream.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

let stack: TestStack;
let tracing: TracingHandle;
const exporter = new InMemorySpanExporter();

beforeAll(async () => {
  tracing = installTracing({ exporter, serviceName: 'dataex-test' });
  stack = await startTestStack({}, { as: 'analyst' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await tracing?.shutdown();
});

const scope = (s: ReadableSpan) => s.instrumentationScope.name;
const idOf = (s: ReadableSpan) => s.spanContext().spanId;
const traceOf = (s: ReadableSpan) => s.spanContext().traceId;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The finished spans of the trace whose gateway SERVER span satisfies `match`, once it has ended. */
async function gatewayTrace(match: (s: ReadableSpan) => boolean): Promise<{ root: ReadableSpan; spans: ReadableSpan[] }> {
  // The gateway span ends on the response's 'close', a moment after the client has the answer.
  for (let i = 0; i < 100; i++) {
    const root = exporter.getFinishedSpans().find((s) => scope(s) === SCOPES.gateway && s.kind === SpanKind.SERVER && match(s));
    if (root) return { root, spans: exporter.getFinishedSpans().filter((s) => traceOf(s) === traceOf(root)) };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(
    `no gateway span; have: ${exporter
      .getFinishedSpans()
      .map((s) => `${scope(s)}:${s.name}`)
      .join(', ')}`,
  );
}

/** Whether `ancestor` is on the parent chain of `span` within `spans`. */
function descendsFrom(span: ReadableSpan, ancestor: ReadableSpan, spans: ReadableSpan[]): boolean {
  const byId = new Map(spans.map((s) => [idOf(s), s]));
  for (let p = parentOf(span); p; p = byId.get(p) ? parentOf(byId.get(p)!) : undefined) if (p === idOf(ancestor)) return true;
  return false;
}

describe('tracing', () => {
  it('links gateway, subgraph and upstream spans of one search in one trace', async () => {
    exporter.reset();
    const res = await stack.gql('query TracedSearch { search(first: 6, orderBy: PRICE_ASC) { edges { node { id pricing { model } provider { registration { status } } } } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.search.edges.length).toBe(6);

    const { root, spans } = await gatewayTrace((s) => s.attributes['graphql.operation.name'] === 'TracedSearch');
    expect(root.name).toBe('POST /graphql');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes['http.response.status_code']).toBe(200);
    expect(root.attributes['dataex.cache']).toBe('MISS');

    // Gateway → subgraph: a CLIENT span per fetch, under the request span (via Apollo's own spans).
    const fetches = spans.filter((s) => scope(s) === SCOPES.gateway && s.kind === SpanKind.CLIENT);
    expect(fetches.length).toBeGreaterThan(0);
    for (const f of fetches) expect(descendsFrom(f, root, spans), f.name).toBe(true);
    const fetched = new Set(fetches.map((f) => f.attributes['dataex.subgraph']));
    expect(fetched.has('catalog')).toBe(true);
    expect(fetched.has('registry')).toBe(true);

    // Subgraph side: a SERVER span per fetch, whose parent is exactly that fetch's span (the
    // only link across the HTTP hop is the traceparent header).
    const served = spans.filter((s) => scope(s) === SCOPES.subgraph && s.kind === SpanKind.SERVER);
    expect(served.length).toBe(fetches.length);
    const fetchIds = new Set(fetches.map(idOf));
    for (const s of served) expect(fetchIds.has(parentOf(s)!), s.name).toBe(true);
    const subgraphs = new Set(served.map((s) => s.attributes['dataex.subgraph']));
    expect(subgraphs.has('catalog')).toBe(true);
    expect(subgraphs.has('registry')).toBe(true);
    expect([...subgraphs].some((n) => EXCHANGES.some((e) => e.id === n))).toBe(true);

    // Subgraph → upstream: the upstream calls of this search, each under the SERVER span of the
    // subgraph that made it, each attempt a CLIENT span under its call.
    const calls = spans.filter((s) => scope(s) === SCOPES.upstream && s.kind === SpanKind.INTERNAL);
    const attempts = spans.filter((s) => scope(s) === SCOPES.upstream && s.kind === SpanKind.CLIENT);
    expect(calls.length).toBeGreaterThan(0);
    expect(attempts.length).toBeGreaterThanOrEqual(calls.length);
    for (const call of calls) {
      const upstream = call.attributes['dataex.upstream'];
      const owner = served.find((s) => descendsFrom(call, s, spans));
      expect(owner, `${call.name} has no subgraph span above it`).toBeDefined();
      expect(owner!.attributes['dataex.subgraph'], call.name).toBe(upstream);
      expect(descendsFrom(call, root, spans)).toBe(true);
    }
    for (const a of attempts) expect(calls.map(idOf)).toContain(parentOf(a));
    expect(new Set(calls.map((c) => c.attributes['dataex.upstream'])).has('registry')).toBe(true);

    // One trace id throughout; the subgraph processes' spans are not orphans of another trace.
    expect(new Set(spans.map(traceOf)).size).toBe(1);
  });

  it('continues a trace the client started', async () => {
    exporter.reset();
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const parentId = '0123456789abcdef';
    const res = await stack.gql('query ClientTraced { exchanges { id status } }', undefined, { traceparent: `00-${traceId}-${parentId}-01`, 'cache-control': 'no-cache' });
    expect(res.errors).toBeUndefined();
    const { root, spans } = await gatewayTrace((s) => traceOf(s) === traceId);
    expect(parentOf(root)).toBe(parentId);
    expect(root.parentSpanContext?.isRemote).toBe(true);
    expect(spans.some((s) => scope(s) === SCOPES.subgraph && s.attributes['dataex.subgraph'] === 'catalog')).toBe(true);
  });

  it('traces a response-cache hit as one span', async () => {
    const q = 'query TracedHit { exchanges { id } }';
    await stack.gql(q);
    exporter.reset();
    expect((await stack.gql(q)).headers['x-dataex-cache']).toBe('HIT');
    const { root, spans } = await gatewayTrace((s) => s.attributes['graphql.operation.name'] === 'TracedHit');
    expect(root.attributes['dataex.cache']).toBe('HIT');
    expect(spans).toHaveLength(1);
  });

  it('sends traceparent with upstream calls', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    let seen: string | undefined;
    agent
      .get('http://upstream.test')
      .intercept({ path: '/ping', method: 'GET' })
      .reply(200, (opts) => {
        seen = (opts.headers as Record<string, string>).traceparent;
        return '{}';
      });
    const client = new UpstreamClient({ upstream: 'beijing', baseUrl: 'http://upstream.test', dispatcher: agent });
    const parent = trace.getTracer('test').startSpan('test parent');
    await context.with(trace.setSpan(context.active(), parent), () => client.request({ method: 'GET', path: '/ping', route: 'GET /ping' }));
    parent.end();
    await client.close();
    await agent.close();
    expect(seen).toMatch(new RegExp(`^00-${parent.spanContext().traceId}-[0-9a-f]{16}-01$`));
    const attempt = exporter.getFinishedSpans().find((s) => scope(s) === SCOPES.upstream && s.kind === SpanKind.CLIENT && s.name === 'GET /ping');
    expect(seen!.split('-')[2]).toBe(attempt && idOf(attempt));
  });
});

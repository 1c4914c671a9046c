// docs/observability.md, "Tracing": DATAEX_OTLP_ENDPOINT exports spans over OTLP/HTTP. Here the collector is
// real HTTP: a node:http server on port 0 that receives POST /v1/traces. Tracing is set up the
// way the entry points do it (setupObservability from the configuration, which appends
// /v1/traces to the endpoint), a traced search runs through the whole stack, and the spans of
// the gateway, the subgraphs and the upstream calls arrive at the collector in one trace,
// named for this service. (test/e2e/tracing.test.ts checks the spans' structure in memory.)

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { setupObservability, shutdownObservability } from '../../lib/observability/index.ts';
import { SCOPES } from '../../lib/observability/tracing.ts';
import { startTestStack, until, type TestStack } from '../helpers/stack.ts';

interface Received {
  method: string;
  path: string;
  contentType: string;
  body: any;
}

interface OtlpSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
}

let collector: Server;
const received: Received[] = [];
let stack: TestStack;

/** OTLP/JSON attribute lists ([{key, value: {stringValue|intValue|…}}]) as a plain object. */
function attributesOf(list: Array<{ key: string; value: Record<string, unknown> }> = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

/** Every span the collector received, flattened. */
function spans(): OtlpSpan[] {
  return received.flatMap((r) =>
    (r.body?.resourceSpans ?? []).flatMap((rs: any) => {
      const service = String(attributesOf(rs.resource?.attributes)['service.name']);
      return (rs.scopeSpans ?? []).flatMap((ss: any) =>
        (ss.spans ?? []).map((s: any) => ({
          service,
          scope: ss.scope?.name,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          attributes: attributesOf(s.attributes),
        })),
      );
    }),
  );
}

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      received.push({ method: req.method ?? '', path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  // The batch processor's standard knob: export every 100 ms instead of every 5 s.
  process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
  setupObservability(loadConfig({ DATAEX_OTLP_ENDPOINT: endpoint }), 'dataex-otlp-test');
  stack = await startTestStack({}, { as: 'analyst' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await shutdownObservability();
  delete process.env.OTEL_BSP_SCHEDULE_DELAY;
  await new Promise<void>((resolve) => (collector ? collector.close(() => resolve()) : resolve()));
});

it('exports the spans of one traced request to an OTLP/HTTP collector, in one trace', async () => {
  const res = await stack.gql('query OtlpTraced { search(first: 3, orderBy: PRICE_ASC) { edges { node { id pricing { model } provider { registration { status } } } } } }');
  expect(res.errors).toBeUndefined();
  expect(res.data.search.edges).toHaveLength(3);

  // Wait for the spans themselves (the exporter sends batches), not for a clock.
  const root = await until('the gateway span of OtlpTraced at the collector', () => spans().find((s) => s.scope === SCOPES.gateway && s.attributes['graphql.operation.name'] === 'OtlpTraced'));
  const trace = await until('the upstream spans of that trace at the collector', () => {
    const mine = spans().filter((s) => s.traceId === root.traceId);
    return mine.some((s) => s.scope === SCOPES.upstream && s.attributes['dataex.upstream'] === 'registry') ? mine : undefined;
  });

  // OTLP/HTTP: POSTs to the endpoint's /v1/traces, in a format the collector decodes.
  expect(received.length).toBeGreaterThan(0);
  for (const r of received) {
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/v1/traces');
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.body?.resourceSpans, 'a decodable OTLP body').toBeInstanceOf(Array);
  }
  expect(root.service).toBe('dataex-otlp-test');
  expect(root.name).toBe('POST /graphql');
  expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(root.parentSpanId).toBe('');
  // Every seam of the stack is in the exported trace: the gateway's fetches, the subgraphs'
  // requests (linked across the HTTP hop) and the upstream calls.
  const scopes = new Set(trace.map((s) => s.scope));
  for (const scope of Object.values(SCOPES)) expect(scopes.has(scope), scope).toBe(true);
  const subgraphs = new Set(trace.filter((s) => s.scope === SCOPES.subgraph).map((s) => s.attributes['dataex.subgraph']));
  expect(subgraphs.has('catalog')).toBe(true);
  expect(subgraphs.has('registry')).toBe(true);
  // Parent links hold within what was exported: every span but the root has its parent there.
  const ids = new Set(trace.map((s) => s.spanId));
  const orphans = trace.filter((s) => s.spanId !== root.spanId && !ids.has(s.parentSpanId));
  expect(orphans.map((s) => `${s.scope}:${s.name}`)).toEqual([]);
});

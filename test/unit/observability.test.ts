// Request log lines, metric label bounds and counters of components that come and go, the
// Prometheus test parser itself, and the observability configuration.

import { createServer, request as httpRequest, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { configureLogging, createLogger } from '../../lib/observability/log.ts';
import { observeOperation, observedHandler, routeOf, writeRequestLine } from '../../lib/observability/http.ts';
import { MAX_OPERATIONS, metricsText, operationLabel, recordRequest, trackResponseCache, trackUpstreamCache } from '../../lib/observability/metrics.ts';
import { otlpTracesUrl, traceIdFromHeader } from '../../lib/observability/tracing.ts';
import { ConfigError, loadConfig } from '../../lib/config.ts';
import { gatewayRoutes } from '../../gateway/route-list.ts';
import { parseExposition } from '../helpers/prometheus.ts';

/** A pino destination collecting lines. */
function memory(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

const scrape = async () => parseExposition((await metricsText()).body);

describe('request log line', () => {
  afterEach(() => configureLogging({}));

  it('is one JSON object with the request fields and the trace id', () => {
    const out = memory();
    const logger = createLogger({ level: 'info', format: 'json', destination: out.stream });
    writeRequestLine(logger, {
      component: 'gateway',
      method: 'POST',
      path: '/graphql',
      status: 200,
      durationMs: 12.3,
      operation: 'Search',
      principal: 'alice',
      cache: 'MISS',
      outcome: 'ok',
      errorCodes: [],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    const [line] = out.lines();
    expect(line).toMatchObject({
      level: 'info',
      component: 'gateway',
      method: 'POST',
      path: '/graphql',
      status: 200,
      durationMs: 12.3,
      operation: 'Search',
      principal: 'alice',
      cache: 'MISS',
      outcome: 'ok',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      msg: 'POST /graphql 200 12.3 ms',
    });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(line).not.toHaveProperty('errors');
  });

  it('is written after the response, once per request, with what the GraphQL endpoint noted', async () => {
    const out = memory();
    configureLogging({ level: 'info', destination: out.stream });
    const handler = observedHandler({ seam: 'gateway', component: 'gateway', level: 'info' }, (req, res) => {
      const started = performance.now();
      res.end('{}');
      observeOperation(req, 'alice', started, { operationName: 'LoggedOp', outcome: 'partial', cache: 'BYPASS', status: 200, errorCodes: ['UPSTREAM_UNAVAILABLE'] });
    });
    const server: Server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    await get('/graphql?query=secret&variables=%7B%7D', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    await get('/healthz'); // probes: debug only
    await get('/graphql');
    // Lines are written after the response: wait for the second /graphql line, not for a clock.
    for (let i = 0; out.lines().filter((l) => l.path === '/graphql').length < 2; i++) {
      if (i > 500) throw new Error(`request lines not written: ${JSON.stringify(out.lines())}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    server.close();

    const lines = out.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      component: 'gateway',
      method: 'GET',
      path: '/graphql',
      status: 200,
      operation: 'LoggedOp',
      principal: 'alice',
      cache: 'BYPASS',
      outcome: 'partial',
      errors: ['UPSTREAM_UNAVAILABLE'],
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    expect(typeof lines[0].durationMs).toBe('number');
    // The query string (variables) never reaches the log.
    expect(JSON.stringify(lines)).not.toContain('secret');
    // Without a traceparent (and tracing off), the line still has a trace id of its own.
    expect(lines[1].traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[1].traceId).not.toBe(lines[0].traceId);
  });
});

describe('request metrics', () => {
  it('puts each duration in the right bucket and counts by outcome and cache state', async () => {
    const before = await scrape();
    recordRequest('Bucketed', 'ok', 'HIT', 0.0001);
    recordRequest('Bucketed', 'ok', 'HIT', 0.003);
    recordRequest('Bucketed', 'error', null, 20);
    const after = await scrape();
    const d = (name: string, labels: Record<string, string>) => after.sum(name, labels) - before.sum(name, labels);
    expect(d('dataex_requests_total', { operation: 'Bucketed', outcome: 'ok', cache: 'HIT' })).toBe(2);
    expect(d('dataex_requests_total', { operation: 'Bucketed', outcome: 'error', cache: 'none' })).toBe(1);
    expect(after.value('dataex_request_duration_seconds_bucket', { operation: 'Bucketed', cache: 'HIT', le: '0.001' })).toBe(1);
    expect(after.value('dataex_request_duration_seconds_bucket', { operation: 'Bucketed', cache: 'HIT', le: '0.005' })).toBe(2);
    expect(after.value('dataex_request_duration_seconds_bucket', { operation: 'Bucketed', cache: 'none', le: '15' })).toBe(0);
    expect(after.value('dataex_request_duration_seconds_bucket', { operation: 'Bucketed', cache: 'none', le: '+Inf' })).toBe(1);
  });

  it('keeps counters monotonic when the counted component goes away', async () => {
    const before = await scrape();
    const cache = { hits: 3, misses: 1, staleHits: 1, notAdmitted: 2 };
    const untrack = trackResponseCache(cache);
    const lookup = { stats: { hits: 5, misses: 2, stale: 1, errors: 0 } };
    const untrackLookup = trackUpstreamCache('shanghai', lookup);
    cache.hits = 4;
    cache.staleHits = 2;
    cache.notAdmitted = 3;
    untrack();
    untrackLookup();
    trackResponseCache({ hits: 1, misses: 0, staleHits: 0, notAdmitted: 0 });
    const after = await scrape();
    expect(after.sum('dataex_response_cache_hits_total') - before.sum('dataex_response_cache_hits_total')).toBe(5);
    expect(after.sum('dataex_response_cache_misses_total') - before.sum('dataex_response_cache_misses_total')).toBe(1);
    expect(after.sum('dataex_response_cache_stale_total') - before.sum('dataex_response_cache_stale_total')).toBe(2);
    expect(after.sum('dataex_response_cache_not_admitted_total') - before.sum('dataex_response_cache_not_admitted_total')).toBe(3);
    expect(after.value('dataex_upstream_cache_hits_total', { upstream: 'shanghai' })).toBe(5);
    expect(after.value('dataex_upstream_cache_stale_total', { upstream: 'shanghai' })).toBe(1);
  });
  // Runs after the others here: it fills the operation table.
  it('bounds the operation label', () => {
    expect(operationLabel(null)).toBe('anonymous');
    expect(operationLabel('')).toBe('anonymous');
    expect(operationLabel('Search')).toBe('Search');
    expect(operationLabel('not a name')).toBe('_other');
    expect(operationLabel('x'.repeat(65))).toBe('_other');
    for (let i = 0; i < MAX_OPERATIONS + 10; i++) recordRequest(`Op${i}`, 'ok', 'MISS', 0.01);
    expect(operationLabel(`Op${MAX_OPERATIONS + 5}`)).toBe('_other');
  });
});

describe('tracing helpers', () => {
  it('reads trace ids from traceparent and names the OTLP traces URL', () => {
    expect(traceIdFromHeader('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceIdFromHeader('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(traceIdFromHeader('garbage')).toBeUndefined();
    expect(traceIdFromHeader(undefined)).toBeUndefined();
    expect(otlpTracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
    expect(routeOf('/saved-queries/x/run')).toBe('/saved-queries');
    expect(routeOf('/wp-admin/x')).toBe('/*');
  });
});

describe('configuration', () => {
  it('reads the observability variables', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ metrics: true, logFormat: 'json', otlpEndpoint: undefined, traceSampleRatio: 1 });
    expect(loadConfig({ DATAEX_OTLP_ENDPOINT: 'http://collector:4318', DATAEX_LOG_FORMAT: 'pretty', DATAEX_METRICS: 'false' })).toMatchObject({
      otlpEndpoint: 'http://collector:4318',
      logFormat: 'pretty',
      metrics: false,
    });
    for (const [name, value] of [
      ['DATAEX_LOG_FORMAT', 'xml'],
      ['DATAEX_TRACE_SAMPLE_RATIO', '2'],
      ['DATAEX_OTLP_ENDPOINT', 'collector'],
    ]) {
      expect(() => loadConfig({ [name]: value }), name).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value }), name).toThrow(name);
    }
  });

  it('serves /metrics only when DATAEX_METRICS is on', () => {
    const deps = { responseCache: undefined, bus: undefined as never };
    const on = gatewayRoutes(loadConfig({ DATAEX_PLAYGROUND: 'false' }), deps);
    const off = gatewayRoutes(loadConfig({ DATAEX_PLAYGROUND: 'false', DATAEX_METRICS: 'false' }), deps);
    expect(on.length).toBe(off.length + 1);
    expect(on[0](undefined as never).matches({} as never, '/metrics')).toBe(true);
  });
});

describe('the Prometheus test parser', () => {
  it('refuses what Prometheus would refuse', () => {
    expect(() => parseExposition('# TYPE a counter\na 1\n')).not.toThrow();
    expect(() => parseExposition('a 1\n')).toThrow(/undeclared/);
    expect(() => parseExposition('# TYPE a counter\na{x="1} 1\n')).toThrow();
    expect(() => parseExposition('# TYPE a counter\na{x="1"} one\n')).toThrow();
    expect(() => parseExposition('# TYPE a counter\na 1\na 2\n')).toThrow(/twice/);
    expect(() => parseExposition('# TYPE a counter\na 1')).toThrow(/newline/);
    expect(parseExposition('# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1.5\nh_count 2\n').value('h_count')).toBe(2);
  });
});

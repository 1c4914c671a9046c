// The request path alone (gateway/request/endpoint.ts), over real HTTP, with a fake Apollo
// Server in place of the gateway: the fake answers what each test says and reports what the
// plugins would (context.outcome), and counts its executions. What is checked is the path's
// own work: who is asking, limits, cache, sharing, audit, and the in-process `run`.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { createGraphQLEndpoint, type GraphQLEndpoint } from '../../../gateway/request/endpoint.ts';
import { createCallers } from '../../../gateway/request/caller.ts';
import { Admission, BAD_KEY_LIMIT } from '../../../gateway/request/admission.ts';
import { DocumentChecker } from '../../../gateway/limits/document-limits.ts';
import { ResponseCache } from '../../../gateway/response-cache/cache.ts';
import type { GatewayContext } from '../../../gateway/contracts.ts';
import type { AuditEntry, AuditLog } from '../../../gateway/audit/log.ts';
import type { KeyStore } from '../../../gateway/auth/keys.ts';
import { MemoryStore, TieredStore } from '../../../lib/cache/store.ts';
import { MemoryRateLimiter } from '../../../lib/rate-limit.ts';
import { HttpError } from '../../../lib/http.ts';
import { DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';

const analyst: Principal = { id: 'ana', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };
const otherAnalyst: Principal = { id: 'bob', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };
const KEYS: Record<string, Principal> = { 'key-ana': analyst, 'key-bob': otherAnalyst };

/** What the fake answers: the body's data, error codes, and what the plugins would decide. */
interface FakeAnswer {
  data?: unknown;
  errorCodes?: string[];
  cacheable?: boolean;
  /** Who may share the stored answer (the subgraphs' cache hints): PUBLIC by default. */
  scope?: 'PUBLIC' | 'PRIVATE';
  status?: number;
}

class FakeApollo {
  calls: Array<{ request: HTTPGraphQLRequest; context: GatewayContext }> = [];
  /** Set to hold executions until `release()`. */
  gate: Promise<void> | undefined;
  private open: () => void = () => undefined;
  answer: (request: HTTPGraphQLRequest, context: GatewayContext) => FakeAnswer = (_r, c) => ({ data: { who: c.principal.id, ds: { id: 'beijing:1' } }, cacheable: true });

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open();
    this.gate = undefined;
  }

  async executeHTTPGraphQLRequest({ httpGraphQLRequest, context }: { httpGraphQLRequest: HTTPGraphQLRequest; context: () => Promise<GatewayContext> }) {
    const ctx = await context();
    this.calls.push({ request: httpGraphQLRequest, context: ctx });
    if (this.gate) await this.gate;
    const a = this.answer(httpGraphQLRequest, ctx);
    if (a instanceof Error) throw a;
    const codes = a.errorCodes ?? [];
    const body = { ...(a.data !== undefined ? { data: a.data } : {}), ...(codes.length ? { errors: codes.map((code) => ({ message: code, extensions: { code } })) } : {}) };
    const op = httpGraphQLRequest.body as { operationName?: string } | undefined;
    ctx.outcome.facts = { operationName: op?.operationName ?? null, queryHash: 'h'.repeat(64), errorCodes: codes, hasData: a.data !== undefined, resolved: true };
    ctx.outcome.cacheDecision = { cacheable: a.cacheable ?? false, maxAgeS: 60, scope: a.scope ?? 'PUBLIC', isQuery: true };
    return {
      status: a.status ?? 200,
      headers: new HeaderMap([
        ['content-type', 'application/json; charset=utf-8'],
        ['cache-control', 'max-age=60, public'],
      ]),
      body: { kind: 'complete' as const, string: JSON.stringify(body) },
    };
  }
}

class MemoryAudit implements AuditLog {
  entries: AuditEntry[] = [];
  record(entry: AuditEntry): void {
    this.entries.push(entry);
  }
  recordLine(line: string): void {
    this.entries.push(JSON.parse(line) as AuditEntry);
  }
  async query(): Promise<AuditEntry[]> {
    return this.entries;
  }
  async close(): Promise<void> {}
}

interface Rig {
  apollo: FakeApollo;
  cache: ResponseCache | undefined;
  audit: MemoryAudit;
  endpoint: GraphQLEndpoint;
  failures: unknown[];
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function rig(options: { onlySaved?: boolean; publicRate?: { ratePerS: number; burst: number } | null; cache?: boolean } = {}): Promise<Rig> {
  const apollo = new FakeApollo();
  const audit = new MemoryAudit();
  const failures: unknown[] = [];
  const keyStore = { findByKey: async (key: string) => (KEYS[key] ? { principal: KEYS[key] } : undefined) } as unknown as KeyStore;
  const cache = options.cache === false ? undefined : new ResponseCache(new TieredStore(new MemoryStore({ maxBytes: 1 << 20 }), undefined), 3600, 0);
  const endpoint = createGraphQLEndpoint({
    apollo: apollo as unknown as ApolloServer<GatewayContext>,
    callers: createCallers(keyStore),
    cache,
    bodyLimitBytes: 64 * 1024,
    documents: new DocumentChecker({ maxDepth: 5, maxAliases: 5, maxRootFields: 5, maxTokens: 500, maxBytes: 10_000, maxDirectives: 10 }),
    admission: new Admission({
      rateLimiter: new MemoryRateLimiter(),
      rateLimits: { public: options.publicRate === undefined ? { ratePerS: 1000, burst: 1000 } : options.publicRate, analyst: { ratePerS: 1000, burst: 1000 }, admin: null },
      clientKeyOf: (req: IncomingMessage) => req.socket.remoteAddress ?? '?',
    }),
    onlySaved: options.onlySaved ?? false,
    audit,
    deadlineMs: 5_000,
  });
  const server = createServer((req, res) => {
    const q = req.url!.indexOf('?');
    endpoint.handle(req, res, q < 0 ? '' : req.url!.slice(q), (e) => {
      failures.push(e);
      res.writeHead(500).end('{"errors":[{"message":"internal error"}]}');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    apollo,
    cache,
    audit,
    endpoint,
    failures,
    async post(body, headers = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: JSON.parse(text) };
    },
  };
}

/** Waits until `n` audit lines are there (refusals of unknown keys are written after a look-up). */
async function lines(audit: MemoryAudit, n: number): Promise<AuditEntry[]> {
  for (let i = 0; i < 200 && audit.entries.length < n; i++) await new Promise((r) => setImmediate(r));
  return audit.entries;
}

const QUERY = { query: '{ who ds { id } }', operationName: 'Who' };

describe('the /graphql request path', () => {
  it('executes a miss once, stores it, and answers the repeat from the cache without executing', async () => {
    const r = await rig();
    const first = await r.post(QUERY);
    expect(first.status).toBe(200);
    expect(first.json.data.who).toBe('anonymous');
    expect(first.headers.get('x-dataex-cache')).toBe('MISS');
    expect(first.headers.get('vary')).toBe('Origin, Authorization, X-Api-Key, Accept');
    const again = await r.post(QUERY);
    expect(again.headers.get('x-dataex-cache')).toBe('HIT');
    expect(again.json).toEqual(first.json);
    expect(r.apollo.calls).toHaveLength(1);
    const audit = await lines(r.audit, 2);
    expect(audit.map((e) => [e.principal, e.outcome, e.cache, e.datasets])).toEqual([
      ['anonymous', 'ok', 'MISS', ['beijing:1']],
      ['anonymous', 'ok', 'HIT', ['beijing:1']],
    ]);
  });

  it('never serves a PRIVATE answer to another caller, nor any answer across access classes; a keyed answer is private', async () => {
    const r = await rig();
    r.apollo.answer = (_q, c) => ({ data: { who: c.principal.id }, cacheable: true, scope: 'PRIVATE' });
    const ana = await r.post(QUERY, { 'x-api-key': 'key-ana' });
    const bob = await r.post(QUERY, { 'x-api-key': 'key-bob' });
    expect(ana.json.data.who).toBe('ana');
    expect(bob.json.data.who).toBe('bob');
    expect(bob.headers.get('x-dataex-cache')).toBe('MISS');
    expect(ana.headers.get('cache-control')).toBe('max-age=60, private');
    expect((await r.post(QUERY, { 'x-api-key': 'key-ana' })).headers.get('x-dataex-cache')).toBe('HIT');
    // A PUBLIC answer stored for an analyst is not an anonymous caller's (another access class).
    r.apollo.answer = (_q, c) => ({ data: { who: c.principal.id }, cacheable: true, scope: 'PUBLIC' });
    const other = { query: '{ who }', operationName: 'Other' };
    expect((await r.post(other, { 'x-api-key': 'key-ana' })).json.data.who).toBe('ana');
    const anonymous = await r.post(other);
    expect(anonymous.json.data.who).toBe('anonymous');
    expect(anonymous.headers.get('x-dataex-cache')).toBe('MISS');
    expect(anonymous.headers.get('cache-control')).toBe('max-age=60, public');
    expect(r.apollo.calls.map((c) => c.context.principal.id)).toEqual(['ana', 'bob', 'ana', 'anonymous']);
  });

  it('shares one execution between identical concurrent requests of one caller, not between callers', async () => {
    const r = await rig();
    r.apollo.answer = (_q, c) => ({ data: { who: c.principal.id }, cacheable: false });
    r.apollo.hold();
    const sent = [r.post(QUERY, { 'x-api-key': 'key-ana' }), r.post(QUERY, { 'x-api-key': 'key-ana' }), r.post(QUERY, { 'x-api-key': 'key-bob' })];
    // Wait until all three have missed the cache (the second of ana's then waits for the first
    // in the same turn) and two executions have started; then let them finish.
    for (let i = 0; i < 2_000 && (r.cache!.misses < 3 || r.apollo.calls.length < 2); i++) await new Promise((res) => setTimeout(res, 2));
    expect(r.cache!.misses).toBe(3);
    r.apollo.release();
    const [a1, a2, b] = await Promise.all(sent);
    expect(r.apollo.calls.map((c) => c.context.principal.id).sort()).toEqual(['ana', 'bob']);
    expect([a1.headers.get('x-dataex-cache'), a2.headers.get('x-dataex-cache')].sort()).toEqual(['BYPASS', 'COALESCED']);
    expect(a1.json.data.who).toBe('ana');
    expect(a2.json.data.who).toBe('ana');
    expect(b.json.data.who).toBe('bob');
  });

  it('refuses an unknown key 401 with an audit line naming `unknown`, and blocks an address that keeps guessing', async () => {
    const r = await rig();
    const res = await r.post(QUERY, { 'x-api-key': 'nope' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await lines(r.audit, 1))[0]).toMatchObject({ principal: 'unknown', outcome: 'refused', errorCodes: ['UNAUTHENTICATED'], status: 401 });
    const statuses: number[] = [];
    for (let i = 0; i < BAD_KEY_LIMIT.burst + 2; i++) statuses.push((await r.post(QUERY, { 'x-api-key': `guess-${i}` })).status);
    expect(statuses.slice(0, BAD_KEY_LIMIT.burst - 1).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // A good key from the blocked address is refused before it is looked up.
    expect((await r.post(QUERY, { 'x-api-key': 'key-ana' })).status).toBe(429);
    expect(r.apollo.calls).toHaveLength(0);
  });

  it('rate-limits before the cache: a stored answer is not served past the limit', async () => {
    const r = await rig({ publicRate: { ratePerS: 0.001, burst: 2 } });
    expect((await r.post(QUERY)).status).toBe(200);
    expect((await r.post(QUERY)).headers.get('x-dataex-cache')).toBe('HIT');
    const limited = await r.post(QUERY);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await lines(r.audit, 3))[2]).toMatchObject({ outcome: 'refused', errorCodes: ['RATE_LIMITED'], status: 429 });
  });

  it('refuses a document over the static limits before executing it', async () => {
    const r = await rig();
    const deep = { query: '{ a { b { c { d { e { f { g } } } } } } }' };
    const res = await r.post(deep);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(r.apollo.calls).toHaveLength(0);
    expect((await lines(r.audit, 1))[0]).toMatchObject({ outcome: 'refused', errorCodes: ['QUERY_TOO_COMPLEX'] });
  });

  it('in allow-list mode refuses ad-hoc operations of non-admins before the cache', async () => {
    const r = await rig({ onlySaved: true });
    const res = await r.post(QUERY, { 'x-api-key': 'key-ana' });
    expect(res.status).toBe(403);
    expect(res.json.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(r.apollo.calls).toHaveLength(0);
  });

  it("answers a malformed body 400 as the client's mistake, and an execution that throws as a 500 with an audit line", async () => {
    const r = await rig();
    const bad = await r.post('{"query": ');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].message).toMatch(/JSON/i);
    r.apollo.answer = () => {
      throw new Error('boom');
    };
    expect((await r.post(QUERY)).status).toBe(500);
    expect(r.failures).toHaveLength(1);
    const audit = await lines(r.audit, 2);
    expect(audit.map((e) => [e.outcome, e.status])).toEqual([
      ['error', 400],
      ['error', 500],
    ]);
  });

  it('labels partial answers partial and does not store them', async () => {
    const r = await rig();
    r.apollo.answer = () => ({ data: { who: 'x' }, errorCodes: ['UPSTREAM_UNAVAILABLE'], cacheable: false });
    const res = await r.post(QUERY);
    expect(res.headers.get('x-dataex-cache')).toBe('BYPASS');
    await r.post(QUERY);
    expect(r.apollo.calls).toHaveLength(2);
    expect((await lines(r.audit, 2)).map((e) => e.outcome)).toEqual(['partial', 'partial']);
  });
});

describe('run: an operation in-process, through the same steps', () => {
  const reqOf = (headers: Record<string, string> = {}) => ({ headers, method: 'GET', socket: { remoteAddress: '10.9.9.9' } }) as unknown as IncomingMessage;

  it('runs as the caller of the request, JSON in and out, and audits the run with its saved query', async () => {
    const r = await rig();
    const result = await r.endpoint.run({ ...QUERY, variables: { phone: '13812345678' } }, reqOf({ 'x-api-key': 'key-ana', accept: 'text/csv' }), { savedQuery: 'weekly' });
    expect(result.status).toBe(200);
    expect((result.body.data as any).who).toBe('ana');
    const call = r.apollo.calls[0];
    expect(call.context.savedQuery).toBe('weekly');
    expect(call.request.headers.get('accept')).toBe('application/json');
    const [line] = await lines(r.audit, 1);
    expect(line).toMatchObject({ principal: 'ana', savedQuery: 'weekly', outcome: 'ok', cache: null, datasets: ['beijing:1'] });
    expect(JSON.stringify(line.variables)).not.toContain('13812345678');
  });

  it('refuses a run with an unknown key or over the limits, after its audit line', async () => {
    const r = await rig();
    await expect(r.endpoint.run(QUERY, reqOf({ 'x-api-key': 'nope' }), { savedQuery: 'weekly' })).rejects.toMatchObject({ status: 401 });
    const deep = { query: '{ a { b { c { d { e { f { g } } } } } } }' };
    await expect(r.endpoint.run(deep, reqOf({ 'x-api-key': 'key-ana' }), { savedQuery: 'deep' })).rejects.toBeInstanceOf(HttpError);
    expect(r.apollo.calls).toHaveLength(0);
    const audit = await lines(r.audit, 2);
    expect(audit.map((e) => [e.principal, e.savedQuery, e.outcome, e.errorCodes[0]])).toEqual([
      ['unknown', 'weekly', 'refused', 'UNAUTHENTICATED'],
      ['ana', 'deep', 'refused', 'QUERY_TOO_COMPLEX'],
    ]);
  });
});

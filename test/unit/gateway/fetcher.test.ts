// The gateway's subgraph fetcher (gateway/fetcher.ts) against a local HTTP server: every call
// with a caller is signed for its subgraph (and the audience header is not sent), a call is cut
// at the subgraph timeout or at the request's deadline if that comes first, identical concurrent
// queries share one call, connections are kept alive and pooled, and close() ends them.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { copyParsed, createUndiciFetcher, type UndiciFetcher } from '../../../gateway/fetcher.ts';
import { PrincipalRejected, PrincipalVerifier, encodeClaims } from '../../../lib/principal-token.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';

const PRINCIPAL = 'x-dataex-principal';
const SIGNATURE = 'x-dataex-signature';
const AUDIENCE = 'x-dataex-audience';
const DEADLINE = 'x-dataex-deadline';

const SECRET = 'unit-test-signing-secret-0123456789abcdef';

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
  socket: Socket;
}

interface TestServer {
  url: string;
  requests: Seen[];
  connections: Set<Socket>;
  /** Connections ever opened. */
  opened: () => number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const fetchers: UndiciFetcher[] = [];

/** A server on an ephemeral port whose handler decides when (and whether) to answer. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<TestServer> {
  const requests: Seen[] = [];
  const connections = new Set<Socket>();
  let opened = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), socket: req.socket };
      requests.push(seen);
      handler(req, res, seen);
    });
  });
  // Idle connections stay open however slow the machine (Node's default is 5 s).
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    opened++;
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const ts: TestServer = {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    connections,
    opened: () => opened,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(ts);
  return ts;
}

function fetcherOf(options: Partial<Parameters<typeof createUndiciFetcher>[0]> = {}): UndiciFetcher {
  const f = createUndiciFetcher({ timeoutMs: 10_000, signingSecret: SECRET, ...options });
  fetchers.push(f);
  return f;
}

/** Resolves once `condition` holds (polled on the event loop), or fails after `ms`. */
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const answer = (res: ServerResponse, body: unknown = { data: { ok: true } }, status = 200, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const query = (q = '{ a }') => JSON.stringify({ query: q });

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const analyst: Principal = { id: 'key-9', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the call to fail');
}

describe('createUndiciFetcher: signing', () => {
  it('signs a call with a caller for the audience it names, and does not send the audience header', async () => {
    const server = await startServer((_req, res) => answer(res));
    const { fetcher } = fetcherOf();
    const claims = encodeClaims(analyst);
    const body = query('query { search { totalCount } }');
    const response = await fetcher(server.url, { method: 'POST', headers: { 'content-type': 'application/json', [PRINCIPAL]: claims, [AUDIENCE]: 'beijing' }, body });
    expect(response.status).toBe(200);
    const [seen] = server.requests;
    expect(seen.body).toBe(body);
    expect(seen.headers[PRINCIPAL]).toBe(claims);
    expect(seen.headers).not.toHaveProperty(AUDIENCE);
    const signature = String(seen.headers[SIGNATURE]);
    expect(signature.endsWith('.beijing')).toBe(true);

    // The subgraph it was signed for accepts it once; any other subgraph, another body or another secret do not.
    expect(() => new PrincipalVerifier(SECRET).verify(claims, signature, body, 'shanghai')).toThrow(PrincipalRejected);
    expect(() => new PrincipalVerifier(SECRET).verify(claims, signature, query('{ other }'), 'beijing')).toThrow(PrincipalRejected);
    expect(() => new PrincipalVerifier('another-secret-0123456789abcdef0123').verify(claims, signature, body, 'beijing')).toThrow(PrincipalRejected);
    const verifier = new PrincipalVerifier(SECRET);
    expect(verifier.verify(claims, signature, body, 'beijing')).toEqual(analyst);
    expect(() => verifier.verify(claims, signature, body, 'beijing')).toThrow(/replayed/);
  });

  it('signs every call afresh (a new nonce each time)', async () => {
    const server = await startServer((_req, res) => answer(res));
    const { fetcher } = fetcherOf();
    const headers = { [PRINCIPAL]: encodeClaims(ANONYMOUS), [AUDIENCE]: 'catalog' };
    await fetcher(server.url, { method: 'POST', headers, body: query('{ one }') });
    await fetcher(server.url, { method: 'POST', headers, body: query('{ one }') });
    const [a, b] = server.requests.map((r) => String(r.headers[SIGNATURE]));
    expect(a).not.toBe(b);
    // The caller's headers object is left as it was.
    expect(headers).toEqual({ [PRINCIPAL]: encodeClaims(ANONYMOUS), [AUDIENCE]: 'catalog' });
  });

  it('takes the audience from subgraphOf when the call names none, and signs nothing without a caller', async () => {
    const server = await startServer((_req, res) => answer(res));
    const { fetcher } = fetcherOf({ subgraphOf: (url) => (url === server.url ? 'registry' : undefined) });
    const claims = encodeClaims(ANONYMOUS);
    const body = query();
    await fetcher(server.url, { method: 'POST', headers: { [PRINCIPAL]: claims }, body });
    expect(new PrincipalVerifier(SECRET).verify(claims, String(server.requests[0].headers[SIGNATURE]), body, 'registry')).toEqual(ANONYMOUS);
    await fetcher(server.url, { method: 'POST', headers: {}, body: query('{ anonymous }') });
    expect(server.requests[1].headers).not.toHaveProperty(SIGNATURE);
    expect(server.requests[1].headers).not.toHaveProperty(PRINCIPAL);
  });
});

describe('createUndiciFetcher: responses', () => {
  it('reads the whole response once: status, headers by any case, text, json and independent clones', async () => {
    const server = await startServer((_req, res) => answer(res, { errors: [{ message: 'no' }] }, 503, { 'X-Dataex-Stale': 'beijing', 'Cache-Control': 'max-age=5' }));
    const { fetcher } = fetcherOf();
    const response = await fetcher(server.url, { method: 'POST', headers: {}, body: query() });
    expect(response.status).toBe(503);
    expect(response.ok).toBe(false);
    expect(response.headers.get('x-dataex-stale')).toBe('beijing');
    expect(response.headers.get('CACHE-CONTROL')).toBe('max-age=5');
    expect(response.headers.get('absent')).toBeNull();
    const clone = response.clone();
    expect(await response.json()).toEqual({ errors: [{ message: 'no' }] });
    expect(response.bodyUsed).toBe(true);
    expect(clone.bodyUsed).toBe(false);
    expect(await clone.text()).toBe(JSON.stringify({ errors: [{ message: 'no' }] }));
  });
});

describe('createUndiciFetcher: timeouts and the request deadline', () => {
  it('cuts a call whose answer never comes at timeoutMs, with UND_ERR_HEADERS_TIMEOUT', async () => {
    const server = await startServer(() => {
      /* never answers */
    });
    const { fetcher } = fetcherOf({ timeoutMs: 300 });
    const start = Date.now();
    const e = await rejection(fetcher(server.url, { method: 'POST', headers: {}, body: query() }));
    const elapsed = Date.now() - start;
    expect(e.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    // Generous for a loaded machine; far below any default timeout.
    expect(elapsed).toBeLessThan(5_000);
  });

  it('cuts a body that stops coming, with UND_ERR_BODY_TIMEOUT', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    const { fetcher } = fetcherOf({ timeoutMs: 300 });
    const e = await rejection(fetcher(server.url, { method: 'POST', headers: {}, body: query() }));
    expect(e.code).toBe('UND_ERR_BODY_TIMEOUT');
  });

  it("takes no longer than what is left of the request's deadline, and passes the deadline on", async () => {
    const server = await startServer(() => {
      /* never answers */
    });
    const { fetcher } = fetcherOf({ timeoutMs: 20_000 });
    const deadline = Date.now() + 300;
    const start = Date.now();
    const e = await rejection(fetcher(server.url, { method: 'POST', headers: { [DEADLINE]: String(deadline) }, body: query() }));
    expect(e.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(server.requests[0].headers[DEADLINE]).toBe(String(deadline));

    // A deadline already past still makes the call, cut at once.
    const late = await rejection(fetcher(server.url, { method: 'POST', headers: { [DEADLINE]: String(Date.now() - 1_000) }, body: query('{ late }') }));
    expect(late.code).toMatch(/^UND_ERR_(HEADERS|BODY)_TIMEOUT$/);
  });
});

describe('createUndiciFetcher: sharing and pooling', () => {
  /** A server that holds every request until released. */
  async function heldServer() {
    const held: ServerResponse[] = [];
    const server = await startServer((_req, res) => held.push(res));
    const release = () => {
      for (const res of held.splice(0)) answer(res, { data: { n: server.requests.length } });
    };
    return { server, held, release };
  }

  it('shares one call among identical concurrent queries of the same caller, each reader with its own copy', async () => {
    const { server, held, release } = await heldServer();
    const { fetcher } = fetcherOf();
    const init = () => ({ method: 'POST', headers: { [PRINCIPAL]: encodeClaims(ANONYMOUS) }, body: query() });
    const a = fetcher(server.url, init());
    const b = fetcher(server.url, init());
    await until(() => held.length === 1);
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(server.requests).toHaveLength(1);
    expect(await ra.json()).toEqual({ data: { n: 1 } });
    expect(rb.bodyUsed).toBe(false);
    expect(await rb.json()).toEqual({ data: { n: 1 } });

    // Once answered, the same query is a new call.
    const c = fetcher(server.url, init());
    await until(() => held.length === 1);
    release();
    await c;
    expect(server.requests).toHaveLength(2);
  });

  /** Three identical concurrent queries of one caller, answered `text` by one call: their responses. */
  async function threeSharersOf(text: string) {
    const held: ServerResponse[] = [];
    const server = await startServer((_req, res) => held.push(res));
    const { fetcher } = fetcherOf();
    const init = () => ({ method: 'POST', headers: { [PRINCIPAL]: encodeClaims(ANONYMOUS) }, body: query() });
    const calls = [fetcher(server.url, init()), fetcher(server.url, init()), fetcher(server.url, init())];
    await until(() => held.length === 1);
    held[0]!.writeHead(200, { 'content-type': 'application/json' }).end(text);
    const responses = await Promise.all(calls);
    expect(server.requests).toHaveLength(1);
    return responses;
  }

  it('parses a shared answer once, and gives every sharer a tree of its own, whatever the others write into theirs', async () => {
    const nested = { data: { _entities: [{ __typename: 'User', id: '1', reviews: [{ id: 'r1', body: 'x'.repeat(2000), tags: [[1, 2], [3]] }] }, null], n: 0 } };
    // The text carries an own "__proto__" key, as JSON.parse reads it: a copy must keep it as data.
    const text = JSON.stringify(nested).replace('"n":0', '"n":0,"__proto__":{"polluted":true}');
    const responses = await threeSharersOf(text);

    const parse = vi.spyOn(JSON, 'parse');
    const trees: Array<Record<string, any>> = [];
    try {
      for (const r of responses) {
        const tree = (await r.json()) as Record<string, any>;
        // What a plan executor does with its tree: merge later answers into it.
        tree.data._entities[0].reviews[0].author = { id: trees.length };
        tree.data._entities[0].reviews.push({ id: 'added' });
        tree.data._entities[0].reviews[0].tags[0].push(99);
        trees.push(tree);
      }
      expect(parse.mock.calls.filter(([t]) => t === text)).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
    for (const [i, tree] of trees.entries()) {
      expect(tree.data._entities[0].reviews[0].author).toEqual({ id: i });
      expect(tree.data._entities[0].reviews).toHaveLength(2);
      expect(tree.data._entities[0].reviews[0].tags).toEqual([[1, 2, 99], [3]]);
      expect(tree.data._entities[1]).toBeNull();
      expect(Object.getPrototypeOf(tree.data)).toBe(Object.prototype);
      expect(Object.keys(tree.data)).toEqual(['_entities', 'n', '__proto__']);
      expect(Object.getOwnPropertyDescriptor(tree.data, '__proto__')?.value).toEqual({ polluted: true });
      expect((tree.data as { polluted?: unknown }).polluted).toBeUndefined();
    }
    expect(new Set(trees.map((t) => t.data._entities[0])).size).toBe(3);

    // A read beyond the sharers (a reader reading twice) gets the answer as sent, not a tree written into.
    const again = (await responses[0]!.json()) as Record<string, any>;
    expect(again.data._entities[0].reviews).toHaveLength(1);
    expect(again.data._entities[0].reviews[0].tags).toEqual([[1, 2], [3]]);
    expect(await responses[2]!.text()).toBe(text);
  });

  it('gives every sharer of an answer too deep to copy a tree parsed afresh, not an error', async () => {
    const depth = 20_000;
    const text = `{"data":{"deep":${'['.repeat(depth)}1${']'.repeat(depth)}}}`;
    expect(() => copyParsed(JSON.parse(text))).toThrow(RangeError);
    const trees = await Promise.all((await threeSharersOf(text)).map((r) => r.json() as Promise<{ data: { deep: unknown } }>));
    expect(new Set(trees.map((t) => t.data.deep)).size).toBe(3);
    for (const tree of trees) {
      let v: unknown = tree.data.deep;
      for (let i = 0; i < depth; i++) v = (v as unknown[])[0];
      expect(v).toBe(1);
    }
  });

  it('copyParsed copies what JSON.parse makes: equal, sharing no object or array, keys in the same order', () => {
    const text = '{"b":1,"a":[{"x":null,"y":[true,false,"s"]},[],{}],"2":-0,"1":1e400,"__proto__":[1]}';
    const parsed = JSON.parse(text);
    const copy = copyParsed(parsed) as Record<string, any>;
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
    expect(Object.keys(copy)).toEqual(Object.keys(parsed));
    expect(copy).not.toBe(parsed);
    expect(copy.a).not.toBe(parsed.a);
    expect(copy.a[0]).not.toBe(parsed.a[0]);
    expect(copy.a[0].y).not.toBe(parsed.a[0].y);
    expect(Object.is(copy['2'], -0)).toBe(true);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
  });

  it('never shares between callers, bodies or mutations', async () => {
    const { server, held, release } = await heldServer();
    const { fetcher } = fetcherOf();
    const pending = [
      fetcher(server.url, { method: 'POST', headers: { [PRINCIPAL]: encodeClaims(ANONYMOUS) }, body: query() }),
      fetcher(server.url, { method: 'POST', headers: { [PRINCIPAL]: encodeClaims(analyst) }, body: query() }),
      fetcher(server.url, { method: 'POST', headers: { [PRINCIPAL]: encodeClaims(analyst) }, body: query('{ b }') }),
      fetcher(server.url, { method: 'POST', headers: { [PRINCIPAL]: encodeClaims(analyst) }, body: query('mutation { m }') }),
      fetcher(server.url, { method: 'POST', headers: { [PRINCIPAL]: encodeClaims(analyst) }, body: query('mutation { m }') }),
    ];
    await until(() => held.length === 5);
    release();
    await Promise.all(pending);
    expect(server.requests).toHaveLength(5);
  });

  it('keeps connections alive and holds to `connections` per origin', async () => {
    const { server, held, release } = await heldServer();
    const { fetcher } = fetcherOf({ connections: 1 });
    for (let i = 0; i < 3; i++) {
      const p = fetcher(server.url, { method: 'POST', headers: {}, body: query(`{ q${i} }`) });
      await until(() => held.length === 1);
      release();
      await p;
    }
    expect(server.requests).toHaveLength(3);
    expect(server.opened()).toBe(1);
    // Concurrent distinct calls queue on the one connection.
    const pending = [0, 1, 2].map((i) => fetcher(server.url, { method: 'POST', headers: {}, body: query(`{ c${i} }`) }));
    for (let answered = 0; answered < 3; answered++) {
      await until(() => held.length === 1);
      release();
    }
    await Promise.all(pending);
    expect(server.opened()).toBe(1);
  });

  it('close() ends its connections, and no call goes out after it', async () => {
    const server = await startServer((_req, res) => answer(res));
    const undici = createUndiciFetcher({ timeoutMs: 10_000, signingSecret: SECRET });
    await undici.fetcher(server.url, { method: 'POST', headers: {}, body: query() });
    expect(server.connections.size).toBe(1);
    await undici.close();
    await until(() => server.connections.size === 0);
    const e = await rejection(undici.fetcher(server.url, { method: 'POST', headers: {}, body: query('{ after }') }));
    expect(e.code).toMatch(/^UND_ERR_(CLOSED|DESTROYED)$/);
    expect(server.requests).toHaveLength(1);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { UpstreamClient, composePolicies, parseRetryAfter, type UpstreamPolicy } from '../../../subgraphs/common/upstream.ts';
import { stubServer, type Stub } from './helpers.ts';

let stub: Stub | undefined;
let client: UpstreamClient | undefined;
afterEach(async () => {
  await client?.close();
  await stub?.close();
  client = stub = undefined;
});

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UpstreamError);
  return e as UpstreamError;
}

describe('UpstreamClient', () => {
  it('sends JSON and form bodies, headers and query; returns status, headers and raw text', async () => {
    stub = await stubServer((r) => ({ status: 200, headers: { 'x-trace': 'abc' }, body: `{"echo":${JSON.stringify(r.body)},"id":1789012345678901234}` }));
    client = new UpstreamClient({ upstream: 'beijing', baseUrl: `${stub.url}/prefix/` });
    const res = await client.request({ method: 'POST', path: '/a', query: { page: 2, skip: undefined }, headers: { 'X-App-Key': 'k' }, json: { pageNo: 1 } });
    expect(res.status).toBe(200);
    expect(res.headers['x-trace']).toBe('abc');
    expect(res.text).toContain('1789012345678901234'); // raw text, untouched
    expect(stub.requests[0]).toMatchObject({ method: 'POST', url: '/prefix/a?page=2', body: '{"pageNo":1}' });
    expect(stub.requests[0].headers['content-type']).toMatch(/^application\/json/);
    expect(stub.requests[0].headers['x-app-key']).toBe('k');

    await client.request({ method: 'POST', path: '/f', form: { a: '1', b: 'x y&z' } });
    expect(stub.requests[1].body).toBe('a=1&b=x+y%26z');
    expect(stub.requests[1].headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('returns 4xx answers for the adapter to interpret', async () => {
    stub = await stubServer(() => ({ status: 401, body: { code: 401 } }));
    client = new UpstreamClient({ upstream: 'shanghai', baseUrl: stub.url });
    expect((await client.request({ method: 'GET', path: '/x' })).status).toBe(401);
  });

  it('maps 5xx to UPSTREAM_UNAVAILABLE', async () => {
    stub = await stubServer(() => ({ status: 503, body: 'down' }));
    client = new UpstreamClient({ upstream: 'guiyang', baseUrl: stub.url });
    const e = await rejection(client.request({ method: 'GET', path: '/list', query: { token: 's3cret' } }));
    expect(e).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'guiyang' });
    expect(e.message).toBe('guiyang GET /list: HTTP 503');
  });

  it('maps 429 to UPSTREAM_UNAVAILABLE with Retry-After captured', async () => {
    stub = await stubServer(() => ({ status: 429, headers: { 'retry-after': '7' }, body: '{}' }));
    client = new UpstreamClient({ upstream: 'registry', baseUrl: stub.url });
    const e = await rejection(client.request({ method: 'GET', path: '/api/v1/enterprises' }));
    expect(e).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 7 });
    expect(e.message).toMatch(/rate limited \(HTTP 429\), retry after 7 s/);
  });

  it('maps a refused connection to UPSTREAM_UNAVAILABLE', async () => {
    stub = await stubServer(() => ({ body: '{}' }));
    const url = stub.url;
    await stub.close();
    stub = undefined;
    client = new UpstreamClient({ upstream: 'beijing', baseUrl: url });
    const e = await rejection(client.request({ method: 'GET', path: '/x' }));
    expect(e.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(e.message).toMatch(/connection refused|connection failed/);
  });

  it('maps a dropped connection to UPSTREAM_UNAVAILABLE', async () => {
    stub = await stubServer(() => 'destroy');
    client = new UpstreamClient({ upstream: 'beijing', baseUrl: stub.url });
    expect((await rejection(client.request({ method: 'GET', path: '/x' }))).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('times out waiting for headers, per call', async () => {
    stub = await stubServer(() => 'hang');
    client = new UpstreamClient({ upstream: 'guiyang', baseUrl: stub.url });
    const started = Date.now();
    const e = await rejection(client.request({ method: 'GET', path: '/x', timeouts: { headersMs: 150 } }));
    expect(e.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(e.message).toMatch(/timed out waiting for response headers \(150 ms\)|no complete answer/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('enforces an overall deadline', async () => {
    stub = await stubServer(() => 'hang');
    client = new UpstreamClient({ upstream: 'guiyang', baseUrl: stub.url, timeouts: { totalMs: 100 } });
    const e = await rejection(client.request({ method: 'GET', path: '/x' }));
    expect(e.message).toBe('guiyang GET /x: no complete answer within 100 ms');
  });

  it("propagates the caller's abort reason unchanged", async () => {
    stub = await stubServer(() => 'hang');
    client = new UpstreamClient({ upstream: 'beijing', baseUrl: stub.url });
    const ac = new AbortController();
    const p = client.request({ method: 'GET', path: '/x', signal: ac.signal });
    setTimeout(() => ac.abort(new Error('caller gave up')), 50);
    await expect(p).rejects.toThrow('caller gave up');
  });

  it('never puts headers, bodies or query strings into error messages', async () => {
    stub = await stubServer(() => ({ status: 500, body: 'secret-in-body' }));
    client = new UpstreamClient({ upstream: 'registry', baseUrl: stub.url });
    const e = await rejection(client.request({ method: 'POST', path: '/x', query: { key: 'q-secret' }, headers: { 'X-Api-Key': 'h-secret' }, form: { sign: 'f-secret' } }));
    expect(e.message).not.toMatch(/secret/);
  });

  it('refuses base URLs with credentials without echoing them', () => {
    expect(() => new UpstreamClient({ upstream: 'x', baseUrl: 'http://user:pw-secret@host' })).toThrow(/must not contain credentials/);
    try {
      new UpstreamClient({ upstream: 'x', baseUrl: 'http://user:pw-secret@host' });
    } catch (e) {
      expect((e as Error).message).not.toContain('pw-secret');
    }
  });

  it('fails calls after close()', async () => {
    stub = await stubServer(() => ({ body: '{}' }));
    client = new UpstreamClient({ upstream: 'beijing', baseUrl: stub.url });
    await client.close();
    expect((await rejection(client.request({ method: 'GET', path: '/x' }))).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('runs policies around the raw call, outermost first', async () => {
    let calls = 0;
    stub = await stubServer(() => (++calls < 3 ? { status: 503, body: '' } : { body: '{"ok":true}' }));
    const order: string[] = [];
    const trace =
      (name: string): UpstreamPolicy =>
      async (req, next) => {
        order.push(name);
        return next(req);
      };
    // A minimal retry policy, as a later resilience issue would plug in.
    const retry: UpstreamPolicy = async (req, next) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next(req);
        } catch (e) {
          if (!(e instanceof UpstreamError) || e.code !== 'UPSTREAM_UNAVAILABLE' || !req.idempotent || attempt >= 3) throw e;
        }
      }
    };
    client = new UpstreamClient({ upstream: 'beijing', baseUrl: stub.url, policy: composePolicies(trace('outer'), retry, trace('inner')) });
    const res = await client.request({ method: 'GET', path: '/x', idempotent: true });
    expect(res.text).toBe('{"ok":true}');
    expect(order).toEqual(['outer', 'inner', 'inner', 'inner']);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(new Date(Date.UTC(2024, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2024, 0, 1))).toBe(30);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

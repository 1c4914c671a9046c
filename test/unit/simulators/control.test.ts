import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulators, startSimulator, type RunningSimulators } from '../../../simulators/index.ts';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import { beijingHeaders, call, guiyangForm, reset, setFaults, stats } from './helpers.ts';

const BJ_LIST = '/product/api/productIndex/getProductList';
let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({ seed: 20240506, scale: 1, latencyMs: 0 });
});
afterAll(() => sims.close());
beforeEach(async () => {
  await Promise.all([sims.beijing, sims.shanghai, sims.guiyang, sims.registry].map((s) => reset(s.url)));
});

const bjList = () => call(sims.beijing.url, 'POST', BJ_LIST, { json: { pageNo: 1, pageSize: 2 } });
const registryLookup = () => call(sims.registry.url, 'GET', `/api/v1/enterprises?codes=${sims.registry.world.providers[0].creditCode}`, { headers: { 'x-api-key': SIM_CREDENTIALS.registry.apiKey } });

/** Opens a raw connection, sends a request, and reports whether anything came back or the socket closed. */
function rawRequest(port: number, path: string): { socket: net.Socket; received: () => string; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`);
  return { socket, received: () => data, closed };
}

describe('stats', () => {
  it('counts upstream requests per route pattern, not control calls, and reset zeroes them', async () => {
    await bjList();
    await bjList();
    const uuid = sims.beijing.world.listings.beijing[0].uuid;
    const path = `/product/api/detail/${uuid}`;
    await call(sims.beijing.url, 'GET', path, { headers: beijingHeaders(path) });
    await call(sims.beijing.url, 'GET', '/nowhere');
    await stats(sims.beijing.url);
    const s = await stats(sims.beijing.url);
    expect(s).toEqual({
      total: 4,
      routes: { 'POST /product/api/productIndex/getProductList': 2, 'GET /product/api/detail/:uuid': 1, 'GET *': 1 },
      // Replies by HTTP status: Beijing answers an unknown path 404.
      statuses: { 200: 3, 404: 1 },
    });
    await reset(sims.beijing.url);
    expect(await stats(sims.beijing.url)).toEqual({ total: 0, routes: {}, statuses: {} });
  });

  it('keeps each simulator’s counts separate', async () => {
    await registryLookup();
    expect((await stats(sims.registry.url)).routes).toEqual({ 'GET /api/v1/enterprises': 1 });
    expect((await stats(sims.guiyang.url)).total).toBe(0);
  });
});

describe('faults', () => {
  it('validates the faults body', async () => {
    const bad = await call(sims.beijing.url, 'POST', '/__sim/faults', { json: { mode: 'explode' } });
    expect(bad.status).toBe(400);
    expect((await call(sims.beijing.url, 'POST', '/__sim/faults', { json: { mode: 'error', rate: 2 } })).status).toBe(400);
    expect((await call(sims.beijing.url, 'POST', '/__sim/faults', { body: '{' })).status).toBe(400);
  });

  it('error: each upstream answers with its own error envelope', async () => {
    await Promise.all([sims.beijing, sims.shanghai, sims.guiyang, sims.registry].map((s) => setFaults(s.url, { mode: 'error' })));
    const bj = await bjList();
    expect(bj.status).toBe(200);
    expect(bj.json()).toEqual({ code: 500, msg: '系统繁忙', data: null });
    const sh = await call(sims.shanghai.url, 'POST', '/dex-api/dex-es/query/all/search', { json: { pageNum: 1, pageSize: 1, serviceType: 2 } });
    expect(sh.status).toBe(200);
    expect(sh.json()).toMatchObject({ code: 500, data: null });
    const gyList = await call(sims.guiyang.url, 'GET', '/apaas/serviceapp/v3/servicemarket/dataShop/list?page=1&size=1');
    expect(gyList.json()).toMatchObject({ success: 0, errMsg: expect.any(String) });
    const gyGateway = await call(sims.guiyang.url, 'POST', '/interface/gateway.do', { form: guiyangForm(sims.guiyang.world.listings.guiyang[0].serviceId) });
    expect(gyGateway.status).toBe(200);
    expect(JSON.parse(gyGateway.json().data).code).toBe('E500');
    const reg = await registryLookup();
    expect(reg.status).toBe(500);
  });

  it('faults never touch /__sim routes', async () => {
    await setFaults(sims.beijing.url, { mode: 'offline' });
    expect((await stats(sims.beijing.url)).total).toBe(0);
    await setFaults(sims.beijing.url, { mode: 'none' });
    expect((await bjList()).json().code).toBe(0);
  });

  it('slow: adds latencyMs', async () => {
    await setFaults(sims.beijing.url, { mode: 'slow', latencyMs: 250 });
    const started = performance.now();
    const res = await bjList();
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(res.json().code).toBe(0);
  });

  it('hang: never answers, the socket stays open until reset', async () => {
    await setFaults(sims.beijing.url, { mode: 'hang' });
    const raw = rawRequest(sims.beijing.port, BJ_LIST);
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.received()).toBe('');
    expect(raw.socket.destroyed).toBe(false);
    await expect(call(sims.beijing.url, 'POST', BJ_LIST, { json: {}, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect((await stats(sims.beijing.url)).total).toBe(2);
    await reset(sims.beijing.url);
    await raw.closed;
    expect(raw.received()).toBe('');
    expect((await bjList()).json().code).toBe(0);
  });

  it('garbage: alternates truncated JSON and a wrong envelope', async () => {
    await setFaults(sims.beijing.url, { mode: 'garbage' });
    const first = await bjList();
    expect(first.status).toBe(200);
    expect(() => first.json()).toThrow();
    expect(first.text.startsWith('{"code":0')).toBe(true);
    const second = await bjList();
    const parsed = second.json();
    expect(parsed).not.toHaveProperty('code');
    expect(parsed).not.toHaveProperty('data');
    const third = await bjList();
    expect(() => third.json()).toThrow();
  });

  it('offline: the connection is dropped without a response', async () => {
    await setFaults(sims.registry.url, { mode: 'offline' });
    await expect(registryLookup()).rejects.toThrow();
    const raw = rawRequest(sims.registry.port, '/api/v1/enterprises?codes=x');
    await raw.closed;
    expect(raw.received()).toBe('');
  });

  it('ratelimit: HTTP 429 with Retry-After: 1', async () => {
    await setFaults(sims.guiyang.url, { mode: 'ratelimit' });
    const res = await call(sims.guiyang.url, 'GET', '/apaas/serviceapp/v3/servicemarket/dataShop/list?page=1&size=1');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
  });

  it('rate: faults that share of requests, the same ones every time the setting is applied', async () => {
    const pattern = async () => {
      await setFaults(sims.beijing.url, { mode: 'error', rate: 0.5 });
      const codes: number[] = [];
      for (let i = 0; i < 40; i++) codes.push((await bjList()).json().code);
      return codes;
    };
    const a = await pattern();
    const b = await pattern();
    expect(a).toEqual(b);
    const errors = a.filter((c) => c === 500).length;
    expect(errors).toBeGreaterThan(8);
    expect(errors).toBeLessThan(32);
    expect(a.every((c) => c === 0 || c === 500)).toBe(true);
    await setFaults(sims.beijing.url, { mode: 'error', rate: 0 });
    expect((await bjList()).json().code).toBe(0);
  });

  it('reset clears faults', async () => {
    await setFaults(sims.beijing.url, { mode: 'error' });
    await reset(sims.beijing.url);
    expect((await bjList()).json().code).toBe(0);
  });
});

describe('lifecycle', () => {
  it('adds the base latency to upstream responses but not to control routes', async () => {
    const lookup = (url: string) => call(url, 'GET', '/api/v1/enterprises?codes=x', { headers: { 'x-api-key': SIM_CREDENTIALS.registry.apiKey } });
    const slow = await startSimulator('registry', { latencyMs: 200 });
    try {
      // A lower bound: a timer never fires early, however loaded the machine.
      const started = performance.now();
      await lookup(slow.url);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await slow.close();
    }
    // Control routes answer while an upstream request waits out a latency far longer than the
    // test: had they the latency too, the stats call would wait with it.
    const slower = await startSimulator('registry', { latencyMs: 600_000 });
    try {
      let upstreamDone = false;
      const pending = lookup(slower.url).then(
        () => (upstreamDone = true),
        () => (upstreamDone = true),
      );
      for (let i = 0; (await stats(slower.url)).total === 0; i++) {
        if (i > 200) throw new Error('the upstream request never arrived');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(upstreamDone).toBe(false);
      expect((await stats(slower.url)).routes).toEqual({ 'GET /api/v1/enterprises': 1 });
      void pending;
    } finally {
      await slower.close();
    }
  });

  it('close() ends hung requests instead of leaking them', async () => {
    const sim = await startSimulator('beijing', {});
    await setFaults(sim.url, { mode: 'hang' });
    const raw = rawRequest(sim.port, BJ_LIST);
    const pending = call(sim.url, 'POST', BJ_LIST, { json: {} });
    // Both requests are at the simulator, hanging (counted on arrival).
    for (let i = 0; (await stats(sim.url)).total < 2; i++) {
      if (i > 200) throw new Error('the hung requests never arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    // A close that waited for hung requests would never end (they never finish on their own).
    const closed = await Promise.race([sim.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still waiting'), 10_000))]);
    expect(closed).toBe('closed');
    await raw.closed;
    await expect(pending).rejects.toThrow();
  });

  it('survives malformed requests', async () => {
    const socket = net.connect(sims.beijing.port, '127.0.0.1');
    const closed = new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (c) => (data += c.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => {});
    });
    socket.write('BLAH \x01 nonsense\r\n\r\n');
    expect(await closed).toMatch(/^HTTP\/1\.1 400/);
    expect((await bjList()).json().code).toBe(0);
  });
});

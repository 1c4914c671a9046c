// /readyz: the state of every dependency as JSON, and one verdict. Ready ("ready") when all is
// well; still ready but "degraded" with an exchange offline or an exchange subgraph down (the
// gateway answers around them); not ready (503) only when the catalog, which owns every root
// field, cannot be reached. /healthz stays 200 throughout: the process is alive.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { simCall, startTestStack, type TestStack } from '../helpers/stack.ts';
import { EXCHANGES, SUBGRAPHS } from '../../subgraphs/exchanges.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ DATAEX_UPSTREAM_TIMEOUT_MS: '1000' }, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyz(): Promise<{ status: number; body: any }> {
  const res = await stack.http('/readyz');
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return { status: res.status, body: JSON.parse(res.text) };
}

/** /readyz caches its report for a second: polls until `accept` holds. */
async function readyzUntil(what: string, accept: (r: { status: number; body: any }) => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await readyz();
    if (accept(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for /readyz ${what}; last: ${r.status} ${JSON.stringify(r.body).slice(0, 600)}`);
    await sleep(150);
  }
}

const byName = (list: any[], key = 'name') => Object.fromEntries(list.map((x) => [x[key], x]));
/** Every subgraph but these. */
const subgraphsBut = (...names: string[]) => SUBGRAPHS.map((s) => s.name).filter((n) => !names.includes(n));

it('reports every dependency and is ready when all is well', async () => {
  const { status, body } = await readyzUntil('ready', (r) => r.body.status === 'ready');
  expect(status).toBe(200);
  expect(body).toMatchObject({ ready: true, status: 'ready', redis: 'off' });
  const subgraphs = byName(body.subgraphs);
  expect(Object.keys(subgraphs).sort()).toEqual(SUBGRAPHS.map((s) => s.name).sort());
  for (const s of body.subgraphs) expect(s.ready, s.name).toBe(true);
  const exchanges = byName(body.exchanges, 'id');
  expect(Object.keys(exchanges).sort()).toEqual(EXCHANGES.map((e) => e.id).sort());
  for (const e of body.exchanges) {
    expect(e).toMatchObject({ status: 'ONLINE', stale: false, breaker: { state: 'closed' } });
    // Unauthenticated: states only, never listing counts (issue 16).
    expect(e).not.toHaveProperty('datasets');
    expect(e.lastHarvestAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(e.harvestAgeS).toBeGreaterThanOrEqual(0);
    expect(e.harvestAgeS).toBeLessThan(600);
  }
});

it('stays ready, "degraded", with one exchange offline, and is fully ready again once it is back', async () => {
  const guiyang = stack.simulators.guiyang!.url;
  await simCall(guiyang, 'POST', '/__sim/faults', { mode: 'offline' });
  try {
    await stack.catalog.harvester.probe('guiyang'); // the catalog notices: stale, DEGRADED
    const { status, body } = await readyzUntil('degraded', (r) => r.body.status === 'degraded');
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    const exchanges = byName(body.exchanges, 'id');
    expect(exchanges.guiyang).toMatchObject({ status: 'DEGRADED', stale: true });
    for (const { id } of EXCHANGES) if (id !== 'guiyang') expect(exchanges[id], id).toMatchObject({ status: 'ONLINE', stale: false });
    for (const s of body.subgraphs) expect(s.ready, s.name).toBe(true);
    // And it does answer: the catalog and the other exchanges are there.
    const res = await stack.gql('{ search(first: 3, filter: { exchanges: ["beijing"] }) { totalCount edges { node { id pricing { model } } } } }', undefined, { 'cache-control': 'no-cache' });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.search.edges.map((e: any) => e.node.pricing)).not.toContain(null);
  } finally {
    await simCall(guiyang, 'POST', '/__sim/faults', { mode: 'none' });
  }
  await stack.catalog.harvester.probe('guiyang');
  const back = await readyzUntil('ready again', (r) => r.body.status === 'ready');
  expect(back.status).toBe(200);
  expect(byName(back.body.exchanges, 'id').guiyang).toMatchObject({ status: 'ONLINE', stale: false });
});

it('stays ready, "degraded", with an exchange subgraph down, and answers around it', async () => {
  await stack.subgraphs.shanghai.close();
  const { status, body } = await readyzUntil('degraded', (r) => r.body.status === 'degraded');
  expect(status).toBe(200);
  expect(body.ready).toBe(true);
  const subgraphs = byName(body.subgraphs);
  expect(subgraphs.shanghai.ready).toBe(false);
  expect(subgraphs.shanghai.error).toBeTruthy();
  for (const name of subgraphsBut('shanghai')) expect(subgraphs[name].ready, name).toBe(true);

  const res = await stack.gql(
    '{ b: search(first: 2, filter: { exchanges: ["beijing"] }) { edges { node { id pricing { model } } } } s: search(first: 2, filter: { exchanges: ["shanghai"] }) { edges { node { id pricing { model } } } } }',
    undefined,
    { 'cache-control': 'no-cache' },
  );
  expect(res.status).toBe(200);
  expect(res.data.b.edges).toHaveLength(2);
  expect(res.data.s.edges).toHaveLength(2);
  for (const e of res.data.b.edges) expect(e.node.pricing).not.toBeNull();
  for (const e of res.data.s.edges) expect(e.node.pricing).toBeNull();
  expect(res.errors?.length).toBeGreaterThan(0);
  for (const e of res.errors!) {
    expect(e.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', exchange: 'shanghai' });
    expect(e.message).not.toMatch(/https?:\/\/|127\.0\.0\.1|:\d{4,5}\b/);
  }
});

it('goes not-ready (503) only when the catalog subgraph is unreachable; the process stays alive', async () => {
  await stack.subgraphs.catalog.close();
  const { status, body } = await readyzUntil('not-ready', (r) => r.body.status === 'not-ready');
  expect(status).toBe(503);
  expect(body.ready).toBe(false);
  const subgraphs = byName(body.subgraphs);
  expect(subgraphs.catalog.ready).toBe(false);
  expect(subgraphs.catalog.error).toBeTruthy();
  // (shanghai's subgraph is still down from the test before.)
  for (const name of subgraphsBut('catalog', 'shanghai')) expect(subgraphs[name].ready, name).toBe(true);
  // Without the catalog there is no exchange detail to report.
  expect(body.exchanges).toEqual([]);

  const health = await stack.http('/healthz');
  expect(health.status).toBe(200);
  // A query is still answered, with an error naming the missing subgraph, not a crash.
  const res = await stack.gql('{ search(first: 1) { totalCount } }', undefined, { 'cache-control': 'no-cache' });
  expect(res.status).toBe(200);
  expect(res.data?.search ?? null).toBeNull();
  expect(res.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', subgraph: 'catalog' });
  expect(res.errors?.[0].message).not.toMatch(/https?:\/\/|127\.0\.0\.1|:\d{4,5}\b/);
});

// A week of a daily schedule against the real stack, on a clock the test moves: the Taiyuan
// simulator publishes, withdraws and reprices listings between runs, the catalog harvests them,
// and each 09:00 (China time) slot runs the saved query once as its owner. The test checks the
// kept runs, each day's change report (JSON, CSV, NDJSON), and the webhook calls a local receiver
// got (signature verified; the first delivery refused and retried). Then: slots missed while
// nothing ticked run once, not once each; a revoked owner suspends the schedule and a downgraded
// one sees less; another gateway on the same data directory sees the same schedule and runs
// nothing twice.

import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simCall, startExtraGateway, startTestStack, type TestStack } from '../helpers/stack.ts';
import { bearer, jsonHeaders } from '../unit/saved-queries/lifecycle.ts';
import { verifySignature } from '../../gateway/saved-queries/schedule/webhooks.ts';
import type { Scheduler, SlotOutcome } from '../../gateway/saved-queries/schedule/scheduler.ts';
import { runCli } from '../helpers/cli.ts';

/** `dataex …` in this process, against the stack, with `key`. */
const dataex = (args: string[], key: string) => runCli(args, { url: stack.baseUrl, key });

const DAY = 86_400_000;
/** Monday 2026-12-07 09:00 China time (01:00 UTC), plus a minute. */
const FIRST_SLOT = Date.parse('2026-12-07T01:00:00Z');
const clock = { t: FIRST_SLOT - DAY, now: () => clock.t };

const QUERY = 'taiyuan-watch';
const DOCUMENT = `query TaiyuanWatch($after: String) {
  search(filter: { exchanges: ["taiyuan"] }, orderBy: TITLE_ASC, first: 100, after: $after) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { id title classification { level grade } headlinePrice { price { yuan } } } }
  }
}`;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

let stack: TestStack;
let receiver: Server;
let hookUrl: string;
const received: Received[] = [];
let analyst: string;
let admin: string;
let secret: string;

beforeAll(async () => {
  // The receiver refuses its first delivery (503), then takes every one.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = received.length === 0 ? 503 : 200;
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  hookUrl = `${origin}/hooks/dataex`;
  // This instance ticks only when the test says (its clock is the test's); another one, later, runs on its own.
  stack = await startTestStack({ DATAEX_WEBHOOK_ALLOW: `${origin}/hooks/`, DATAEX_PLAYGROUND: 'false', DATAEX_SCHEDULES: 'false' }, { clock });
  analyst = (await stack.keys.create({ principalId: 'ana', role: 'analyst' })).key;
  admin = (await stack.keys.create({ principalId: 'root', role: 'admin' })).key;
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const scheduler = (): Scheduler => stack.gateway.history.scheduler!;

async function json(path: string, key: string, init: { method?: string; body?: unknown } = {}) {
  const res = await stack.http(path, { method: init.method ?? 'GET', headers: jsonHeaders(key), body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: res.status, headers: res.headers, body: res.text ? JSON.parse(res.text) : undefined, text: res.text };
}

/** Moves the clock to day `d`'s slot plus a minute and ticks; returns what ran. */
async function runDay(d: number): Promise<SlotOutcome[]> {
  clock.t = FIRST_SLOT + d * DAY + 60_000;
  return scheduler().tick();
}

async function changeTaiyuan(change: Record<string, unknown>) {
  const result = await simCall(stack.simulators.taiyuan!.url, 'POST', '/__sim/listings', change);
  await stack.catalog.harvester.harvest('taiyuan');
  return result as { added: string[]; withdrawn: string[]; repriced: string[] };
}

describe('a daily schedule through a week', () => {
  const runIds: string[] = [];
  const expected: Array<{ added: string[]; removed: string[]; changed: string[] }> = [];

  it('is refused with a clear error for a bad cron, a webhook outside the allow-list, or a public key', async () => {
    expect((await json(`/saved-queries/${QUERY}`, analyst, { method: 'PUT', body: { document: DOCUMENT } })).status).toBe(201);
    const badCron = await json(`/saved-queries/${QUERY}/schedule`, analyst, { method: 'PUT', body: { cron: '61 9 * * *' } });
    expect(badCron.status).toBe(400);
    expect(badCron.body.message).toMatch(/cron expression "61 9 \* \* \*" is not valid/);
    const outside = await json(`/saved-queries/${QUERY}/schedule`, analyst, { method: 'PUT', body: { cron: '0 9 * * *', webhook: { url: 'http://169.254.169.254/latest/meta-data' } } });
    expect(outside.status).toBe(400);
    expect(outside.body.message).toMatch(/not in DATAEX_WEBHOOK_ALLOW/);
    const sibling = await json(`/saved-queries/${QUERY}/schedule`, analyst, { method: 'PUT', body: { cron: '0 9 * * *', webhook: { url: hookUrl.replace('/hooks/', '/hooksx/') } } });
    expect(sibling.status).toBe(400);
    const pub = (await stack.keys.create({ principalId: 'pub', role: 'public' })).key;
    expect((await json(`/saved-queries/${QUERY}/schedule`, pub, { method: 'PUT', body: { cron: '0 9 * * *' } })).status).toBe(403);
  });

  it('is set by an analyst, who alone (and admins) may see it; its secret is shown once', async () => {
    const put = await json(`/saved-queries/${QUERY}/schedule`, analyst, { method: 'PUT', body: { cron: '0 9 * * *', webhook: { url: hookUrl } } });
    expect(put.status, put.text).toBe(201);
    expect(put.body).toMatchObject({ query: QUERY, cron: '0 9 * * *', timezone: 'Asia/Shanghai', owner: 'ana', state: 'active', nextRun: '2026-12-07T09:00:00+08:00' });
    secret = put.body.webhook.secret;
    expect(secret).toMatch(/^whsec_/);
    const shown = await json(`/saved-queries/${QUERY}/schedule`, analyst);
    expect(shown.body.webhook).toEqual({ url: hookUrl });
    const other = (await stack.keys.create({ principalId: 'bob', role: 'analyst' })).key;
    expect((await json(`/saved-queries/${QUERY}/schedule`, other)).status).toBe(403);
    expect((await json(`/saved-queries/${QUERY}/schedule`, admin)).status).toBe(200);
    // Nothing is due before the first slot.
    clock.t = FIRST_SLOT - 60_000;
    expect(await scheduler().tick()).toEqual([]);
  });

  it('runs once a day for seven days, as its owner, keeping every run and reporting each change', async () => {
    for (let d = 0; d < 7; d++) {
      let change = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
      if (d === 1) change = { ...change, added: (await changeTaiyuan({ add: 2 })).added };
      if (d === 2) {
        const listing = await stack.gql('{ search(filter: { exchanges: ["taiyuan"], levels: [GENERAL] }, orderBy: TITLE_ASC, first: 1) { edges { node { nativeId } } } }');
        change = { ...change, removed: (await changeTaiyuan({ withdraw: [listing.data.search.edges[0].node.nativeId] })).withdrawn };
      }
      if (d === 4) {
        const listing = await stack.gql('{ search(filter: { exchanges: ["taiyuan"], levels: [GENERAL] }, orderBy: TITLE_ASC, first: 3) { edges { node { nativeId } } } }');
        change = { ...change, changed: (await changeTaiyuan({ reprice: [{ id: listing.data.search.edges[2].node.nativeId, yuan: '123.45' }] })).repriced };
      }
      expected.push(change);
      const outcomes = await runDay(d);
      expect(outcomes, `day ${d}`).toHaveLength(1);
      expect(outcomes[0]).toMatchObject({ query: QUERY, slot: new Date(FIRST_SLOT + d * DAY + 8 * 3600_000).toISOString().replace('.000Z', '+08:00'), skipped: null });
      expect(outcomes[0].run).toMatchObject({ trigger: 'schedule', principal: 'ana', role: 'analyst', outcome: 'ok' });
      runIds.push(outcomes[0].run!.id);
      // The same slot never runs twice.
      expect(await scheduler().tick()).toEqual([]);
    }
    expect(expected.map((e) => [e.added.length, e.removed.length, e.changed.length])).toEqual([
      [0, 0, 0],
      [2, 0, 0],
      [0, 1, 0],
      [0, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const list = await json(`/saved-queries/${QUERY}/runs`, analyst);
    expect(list.body.runs.map((r: { id: string }) => r.id)).toEqual([...runIds].reverse());
    const first = await json(`/saved-queries/${QUERY}/runs/${runIds[0]}`, analyst);
    const total = first.body.run.totalCount;
    expect(total).toBeGreaterThan(100);
    expect(first.body.items).toHaveLength(total);
    expect(first.body.run.pages).toBe(Math.ceil(total / 100));
  });

  it('reports what changed each day, keyed by id, in JSON, CSV and NDJSON', async () => {
    const idOf = (nativeId: string) => `taiyuan:${nativeId}`;
    for (let d = 1; d < 7; d++) {
      const report = await json(`/saved-queries/${QUERY}/runs/${runIds[d]}/changes?since=${runIds[d - 1]}`, analyst);
      expect(report.status, report.text).toBe(200);
      expect(report.body.keyColumn).toBe('id');
      expect(report.body.added.map((r: { id: string }) => r.id).sort(), `day ${d} added`).toEqual(expected[d].added.map(idOf).sort());
      expect(
        report.body.removed.map((r: { id: string }) => r.id),
        `day ${d} removed`,
      ).toEqual(expected[d].removed.map(idOf));
      expect(
        report.body.changed.map((c: { key: string }) => c.key),
        `day ${d} changed`,
      ).toEqual(expected[d].changed.map(idOf));
    }
    const repriced = await json(`/saved-queries/${QUERY}/runs/${runIds[4]}/changes?since=${runIds[3]}`, analyst);
    expect(repriced.body.changed[0].changes['headlinePrice.price.yuan'].new).toBe('123.45');
    expect(repriced.body.changed[0].changes['headlinePrice.price.yuan'].old).not.toBe('123.45');

    const csv = await stack.http(`/saved-queries/${QUERY}/runs/${runIds[1]}/changes?since=${runIds[0]}&format=csv`, { headers: bearer(analyst) });
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0].split(',')[0]).toBe('change');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['added', 'added']);
    const ndjson = await stack.http(`/saved-queries/${QUERY}/runs/${runIds[4]}/changes?since=${runIds[3]}&format=ndjson`, { headers: bearer(analyst) });
    const records = ndjson.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ change: 'changed', key: idOf(expected[4].changed[0]) });
    // Without `since`, the run before it.
    const implicit = await json(`/saved-queries/${QUERY}/runs/${runIds[2]}/changes`, analyst);
    expect(implicit.body.since.id).toBe(runIds[1]);
  });

  it('posted a signed summary after every run, retrying the refused first delivery', async () => {
    expect(received.map((r) => r.status)).toEqual([503, 200, 200, 200, 200, 200, 200, 200]);
    for (const r of received) {
      expect(verifySignature(secret, r.headers['x-dataex-signature'] as string, r.body, Math.floor(clock.now() / 1000), (10 * DAY) / 1000), r.body).toBe(true);
      expect(verifySignature('whsec_wrong-secret-value', r.headers['x-dataex-signature'] as string, r.body, Math.floor(clock.now() / 1000), (10 * DAY) / 1000)).toBe(false);
    }
    const delivered = received.filter((r) => r.status === 200).map((r) => JSON.parse(r.body));
    expect(delivered.map((p) => p.run.id)).toEqual(runIds);
    expect(delivered[0]).toMatchObject({ event: 'saved-query.run', query: QUERY, previousRun: null, changes: null });
    for (let d = 1; d < 7; d++) {
      expect(delivered[d].previousRun).toBe(runIds[d - 1]);
      expect(delivered[d].changes).toMatchObject({ added: expected[d].added.length, removed: expected[d].removed.length, changed: expected[d].changed.length });
      expect(delivered[d].links.changes).toBe(`/saved-queries/${QUERY}/runs/${runIds[d]}/changes?since=${runIds[d - 1]}`);
    }
    const firstRun = await json(`/saved-queries/${QUERY}/runs/${runIds[0]}`, analyst);
    expect(firstRun.body.run.webhook).toMatchObject({ url: hookUrl, delivered: true });
    expect(firstRun.body.run.webhook.attempts.map((a: { status: number }) => a.status)).toEqual([503, 200]);
  });

  it('keeps runs from other callers out of sight (404), and admins see them', async () => {
    const bob = (await stack.keys.create({ principalId: 'bob2', role: 'analyst' })).key;
    expect((await json(`/saved-queries/${QUERY}/runs`, bob)).body.runs).toEqual([]);
    expect((await json(`/saved-queries/${QUERY}/runs/${runIds[0]}`, bob)).status).toBe(404);
    expect((await json(`/saved-queries/${QUERY}/runs/${runIds[1]}/changes?since=${runIds[0]}`, bob)).status).toBe(404);
    expect((await json(`/saved-queries/${QUERY}/runs/${runIds[0]}`, admin)).status).toBe(200);
  });

  it('runs the slots missed while nothing ticked once, not once each', async () => {
    const outcomes = await runDay(10);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0].slot).toBe('2026-12-17T09:00:00+08:00');
    runIds.push(outcomes[0].run!.id);
  });

  it('is seen by another gateway on the same data directory, which runs nothing already run', async () => {
    const other = await startExtraGateway(stack, { DATAEX_SCHEDULES: 'false', DATAEX_WEBHOOK_ALLOW: hookUrl.replace(/dataex$/, '') }, { clock });
    try {
      const base = other.gateway.url.replace(/\/graphql$/, '');
      const res = await fetch(`${base}/saved-queries/${QUERY}/schedule`, { headers: bearer(analyst) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ cron: '0 9 * * *', owner: 'ana', lastSlot: '2026-12-17T09:00:00+08:00' });
      expect(await other.gateway.history.scheduler!.tick()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('suspends while its owner has no active key, and runs with the rights of their key once they have one again', async () => {
    const before = await json(`/saved-queries/${QUERY}/runs/${runIds.at(-1)}`, analyst);
    const anaKey = (await stack.keys.list()).find((r) => r.principal.id === 'ana')!;
    await stack.keys.revoke(anaKey.keyId);
    const skipped = await runDay(11);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ run: null, skipped: 'its owner "ana" has no active API key' });
    const shown = await json(`/saved-queries/${QUERY}/schedule`, admin);
    expect(shown.body).toMatchObject({ state: 'suspended', suspended: { reason: 'its owner "ana" has no active API key' } });

    // Ana comes back with a public key: the next run sees what the public sees.
    await stack.keys.create({ principalId: 'ana', role: 'public' });
    const resumed = await runDay(12);
    expect(resumed[0].run).toMatchObject({ principal: 'ana', role: 'public', outcome: 'ok' });
    expect(resumed[0].run!.rowCount).toBeLessThan(before.body.run.rowCount);
    expect((await json(`/saved-queries/${QUERY}/schedule`, admin)).body.state).toBe('active');
  });
});

describe('a gateway starting after missed slots', () => {
  it('runs the latest of them once, as soon as it serves, on its own', async () => {
    const before = (await json(`/saved-queries/${QUERY}/runs`, admin)).body.runs.length;
    clock.t = FIRST_SLOT + 16 * DAY + 60_000; // days 13-16 missed
    const started = await startExtraGateway(stack, { DATAEX_SCHEDULES: 'true', DATAEX_PLAYGROUND: 'false' }, { clock });
    try {
      await expect
        .poll(async () => (await json(`/saved-queries/${QUERY}/runs`, admin)).body.runs.map((r: { scheduledFor: string | null }) => r.scheduledFor), { timeout: 20_000, interval: 200 })
        .toContain('2026-12-23T09:00:00+08:00');
      const after = (await json(`/saved-queries/${QUERY}/runs`, admin)).body.runs;
      expect(after.length).toBe(before + 1);
      expect(await started.gateway.history.scheduler!.tick()).toEqual([]);
    } finally {
      await started.close();
    }
  });
});

describe('the CLI: dataex schedule, runs, changes, query --keep', () => {
  it('shows the schedule, lists the runs, writes a change report and keeps a run', async () => {
    const shown = await dataex(['schedule', 'show', QUERY, '--json'], admin);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ query: QUERY, cron: '0 9 * * *', owner: 'ana' });
    const runs = await dataex(['runs', QUERY, '--json'], admin);
    const listed = JSON.parse(runs.stdout) as Array<{ id: string; trigger: string }>;
    expect(listed.length).toBeGreaterThanOrEqual(9);
    const table = await dataex(['runs', QUERY], admin);
    expect(table.stdout.split('\n')[0]).toMatch(/^RUN\s+STARTED\s+TRIGGER\s+AS\s+OUTCOME\s+ROWS\s+WEBHOOK$/);
    const dir = mkdtempSync(join(tmpdir(), 'dataex-cli-changes-'));
    const [newer, older] = [listed.at(-2)!.id, listed.at(-1)!.id];
    const changes = await dataex(['changes', QUERY, newer, '--since', older, '--format', 'csv', '--output', join(dir, 'c.csv')], admin);
    expect(changes.code, changes.stderr).toBe(0);
    expect(
      readFileSync(join(dir, 'c.csv'), 'utf8')
        .replace(/^\uFEFF/, '')
        .split('\r\n')[0],
    ).toMatch(/^change,id,/);
    const kept = await dataex(['query', QUERY, '--keep', '--format', 'ndjson'], admin);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(/^kept as run \d{8}T\d{9}-[0-9a-f]{12} of taiyuan-watch/);
    const mine = JSON.parse((await dataex(['runs', QUERY, '--json'], admin)).stdout) as Array<{ trigger: string; principal: string }>;
    expect(mine[0]).toMatchObject({ trigger: 'cli', principal: 'root' });
    const bad = await dataex(['schedule', 'set', QUERY, '--cron', 'every day'], admin);
    // The gateway refuses it (400): the CLI's exit code for a refused input.
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/needs five fields/);
    expect((await dataex(['schedule', 'delete', QUERY], admin)).code).toBe(0);
    expect((await dataex(['schedule', 'show', QUERY], admin)).code).not.toBe(0);
  });
});

// The parts of run history and schedules that need no stack: change reports (diffRuns), cron
// slots in China time, webhook allow-lists and signatures, typed workbook cells, retention.

import { describe, expect, it } from 'vitest';
import { changeRows, diffRuns, keyColumnOf } from '../../../gateway/saved-queries/runs/changes.ts';
import type { RunRecord } from '../../../gateway/saved-queries/runs/model.ts';
import { mayReadRun, newRunId, RUN_ID_PATTERN } from '../../../gateway/saved-queries/runs/model.ts';
import { expired } from '../../../gateway/saved-queries/runs/store.ts';
import { typedCell } from '../../../gateway/saved-queries/runs/xlsx.ts';
import { CronError, latestSlot, nextSlot, parseCron } from '../../../gateway/saved-queries/schedule/cron.ts';
import { checkWebhookUrl, signature, verifySignature, WebhookUrlError } from '../../../gateway/saved-queries/schedule/webhooks.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';

function run(id: string, rows: unknown[], columns = ['id', 'title', 'price.yuan']): RunRecord {
  return {
    id,
    query: 'q',
    trigger: 'http',
    principal: 'ana',
    role: 'analyst',
    scheduledFor: null,
    startedAt: '2026-12-07T09:00:00+08:00',
    durationMs: 1,
    variables: {},
    outcome: 'ok',
    errors: [],
    rowCount: rows.length,
    pages: 1,
    totalCount: rows.length,
    columns,
    truncated: false,
    resultBytes: 0,
    webhook: null,
    rows,
  };
}

describe('change reports', () => {
  const before = run('20261207T010000000-aaaaaaaaaaaa', [
    { id: 'a', title: 'A', price: { yuan: '1.00' } },
    { id: 'b', title: 'B', price: { yuan: '2.00' } },
    { id: 'c', title: 'C', price: null },
  ]);
  const after = run('20261208T010000000-bbbbbbbbbbbb', [
    { id: 'a', title: 'A', price: { yuan: '1.00' } },
    { id: 'c', title: 'C2', price: { yuan: '3.00' } },
    { id: 'd', title: 'D', price: null },
  ]);

  it('matches rows by id: added, removed, and changed with old → new per column', () => {
    const report = diffRuns(before, after);
    expect(report.keyColumn).toBe('id');
    expect(report.counts).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 1 });
    expect(report.added).toEqual([{ id: 'd', title: 'D', price: null }]);
    expect(report.removed).toEqual([{ id: 'b', title: 'B', price: { yuan: '2.00' } }]);
    expect(report.changed).toEqual([{ key: 'c', changes: { title: { old: 'C', new: 'C2' }, 'price.yuan': { old: '', new: '3.00' } }, row: after.rows[1] }]);
  });

  it('writes rows with a change column first and what changed last', () => {
    const { columns, rows } = changeRows(diffRuns(before, after));
    expect(columns).toEqual(['change', 'id', 'title', 'price.yuan', 'changed']);
    expect(rows).toEqual([
      ['added', 'd', 'D', '', ''],
      ['removed', 'b', 'B', '2.00', ''],
      ['changed', 'c', 'C2', '3.00', 'title: C → C2; price.yuan:  → 3.00'],
    ]);
  });

  it('finds the first id-like column without an `id`, and compares whole rows without any', () => {
    expect(keyColumnOf(['name', 'provider.creditCode', 'x'])).toBe('provider.creditCode');
    expect(keyColumnOf(['node.datasetId', 'title'])).toBe('node.datasetId');
    expect(keyColumnOf(['title', 'city'])).toBeNull();
    const a = run('r1', [{ title: 'x' }], ['title']);
    const b = run('r2', [{ title: 'y' }], ['title']);
    expect(diffRuns(a, b).counts).toEqual({ added: 1, removed: 1, changed: 0, unchanged: 0 });
  });

  it('reports duplicate keys instead of comparing them twice', () => {
    const dup = run('r3', [
      { id: 'a', title: 'A' },
      { id: 'a', title: 'A again' },
    ]);
    expect(diffRuns(before, dup).duplicateKeys).toEqual(['a']);
  });
});

describe('cron slots in China time', () => {
  const daily9 = parseCron('0 9 * * *');
  it('finds the latest slot at or before now and the next after it, at 09:00 China time (01:00 UTC)', () => {
    expect(new Date(latestSlot(daily9, Date.parse('2026-12-07T01:00:00Z'))!).toISOString()).toBe('2026-12-07T01:00:00.000Z');
    expect(new Date(latestSlot(daily9, Date.parse('2026-12-07T00:59:59Z'))!).toISOString()).toBe('2026-12-06T01:00:00.000Z');
    expect(new Date(nextSlot(daily9, Date.parse('2026-12-07T01:00:00Z'))!).toISOString()).toBe('2026-12-08T01:00:00.000Z');
  });

  it('refuses expressions it cannot read, saying why', () => {
    expect(() => parseCron('every day')).toThrow(CronError);
    expect(() => parseCron('0 25 * * *')).toThrow(/not valid/);
  });
});

describe('webhooks', () => {
  const allow = ['https://hooks.example.com', 'http://127.0.0.1:9000/dataex/'];
  it('lets through only origins and path prefixes on the allow-list', () => {
    expect(checkWebhookUrl('https://hooks.example.com/any/path', allow).href).toBe('https://hooks.example.com/any/path');
    expect(checkWebhookUrl('http://127.0.0.1:9000/dataex/runs', allow).pathname).toBe('/dataex/runs');
    for (const bad of [
      'http://hooks.example.com/x',
      'https://hooks.example.com.evil.net/',
      'http://127.0.0.1:9000/dataexx',
      'http://127.0.0.1:9001/dataex/',
      'http://169.254.169.254/',
      'file:///etc/passwd',
    ]) {
      expect(() => checkWebhookUrl(bad, allow), bad).toThrow(WebhookUrlError);
    }
    expect(() => checkWebhookUrl('https://hooks.example.com/', [])).toThrow(/webhooks are off/);
  });

  it('signs the timestamp and body, and a receiver verifies them within the tolerance only', () => {
    const body = '{"event":"saved-query.run"}';
    const header = signature('s3cret-s3cret-s3cret', 1_765_000_000, body);
    expect(header).toMatch(/^t=1765000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret-s3cret-s3cret', header, body, 1_765_000_100)).toBe(true);
    expect(verifySignature('s3cret-s3cret-s3cret', header, `${body} `, 1_765_000_100)).toBe(false);
    expect(verifySignature('other-secret-value', header, body, 1_765_000_100)).toBe(false);
    expect(verifySignature('s3cret-s3cret-s3cret', header, body, 1_765_000_000 + 301)).toBe(false);
    expect(verifySignature('s3cret-s3cret-s3cret', undefined, body, 1_765_000_000)).toBe(false);
  });
});

describe('workbook cells', () => {
  it('types numbers, money strings and dates, and keeps codes and ids as text', () => {
    expect(typedCell({ n: 5 }, 'n')).toEqual({ value: 5 });
    expect(typedCell({ p: { amountFen: '120000' } }, 'p.amountFen')).toEqual({ value: 120000 });
    expect(typedCell({ p: { yuan: '0.0035' } }, 'p.yuan')).toEqual({ value: 0.0035 });
    expect(typedCell({ c: '911101085923662400' }, 'c')).toEqual({ value: '911101085923662400', numFmt: '@' });
    expect(typedCell({ id: 'guiyang:512' }, 'id')).toEqual({ value: 'guiyang:512', numFmt: '@' });
    const at = typedCell({ t: '2025-09-30T08:48:24+08:00' }, 't');
    expect((at.value as Date).toISOString()).toBe('2025-09-30T08:48:24.000Z');
    expect(at.numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(typedCell({ d: '2024-05-06' }, 'd').numFmt).toBe('yyyy-mm-dd');
    expect(typedCell({ l: ['a', 'b'] }, 'l')).toEqual({ value: 'a; b', numFmt: '@' });
    expect(typedCell({}, 'missing')).toEqual({ value: null });
  });
});

describe('run ids, readers and retention', () => {
  it('makes ids that sort by time, also within one millisecond', () => {
    const at = new Date('2026-12-07T01:00:00.123Z');
    const ids = [newRunId(at), newRunId(at), newRunId(at)];
    for (const id of ids) expect(id).toMatch(RUN_ID_PATTERN);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it('lets the runner and admins read a run, never the public', () => {
    expect(mayReadRun({ principal: 'ana' }, { ...ANONYMOUS, id: 'ana', role: 'analyst' })).toBe(true);
    expect(mayReadRun({ principal: 'ana' }, { ...ANONYMOUS, id: 'bob', role: 'analyst' })).toBe(false);
    expect(mayReadRun({ principal: 'ana' }, { ...ANONYMOUS, id: 'root', role: 'admin' })).toBe(true);
    expect(mayReadRun({ principal: 'anonymous' }, ANONYMOUS)).toBe(false);
  });

  it('drops runs past the count, oldest first, and runs past the age', () => {
    const now = Date.parse('2026-12-10T00:00:00Z');
    const meta = (id: string, startedAt: string) => ({ ...run(id, []), startedAt });
    const metas = [meta('3', '2026-12-09T00:00:00Z'), meta('1', '2026-11-01T00:00:00Z'), meta('2', '2026-12-08T00:00:00Z')];
    expect(expired(metas, { keep: 2, maxAgeMs: 365 * 86_400_000 }, now)).toEqual(['1']);
    expect(expired(metas, { keep: 10, maxAgeMs: 5 * 86_400_000 }, now)).toEqual(['1']);
    expect(expired(metas, { keep: 1, maxAgeMs: 1 * 86_400_000 }, now)).toEqual(['2', '1']);
  });
});

// The file audit log batches lines into buffers: every line must come back whole, in order, in
// its own day's file, whatever its size and however batches and days interleave.

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileAuditLog, answerPart, hitLine, maskVariables, type AuditEntry } from '../../gateway/audit/log.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function entry(i: number, time: string, variables?: unknown): AuditEntry {
  return {
    time,
    principal: `p${i % 7}`,
    role: 'analyst',
    operationName: `Op${i}`,
    queryHash: null,
    variables,
    datasets: [`beijing:${i}`],
    outcome: 'ok',
    errorCodes: [],
    status: 200,
    durationMs: i % 13,
    cache: 'HIT',
  };
}

describe('FileAuditLog', () => {
  it('keeps every line, in order, across full batches, day changes, huge lines and non-ASCII text', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dataex-audit-'));
    dirs.push(dataDir);
    const log = new FileAuditLog(dataDir);
    const written: AuditEntry[] = [];
    for (let i = 0; i < 3000; i++) {
      // Two days, switching back and forth in runs; some lines far larger than a batch.
      const day = Math.floor(i / 700) % 2 === 0 ? '2026-11-28' : '2026-11-29';
      const variables = i % 500 === 0 ? { text: '企业信用'.repeat(30_000) } : i % 3 === 0 ? { text: `行政处罚 ${i}` } : undefined;
      const e = entry(i, `${day}T10:00:${String(i % 60).padStart(2, '0')}.000Z`, variables);
      written.push(e);
      log.record(e);
    }
    const all = await log.query({});
    await log.close();

    const files = readdirSync(join(dataDir, 'audit')).sort();
    expect(files).toEqual(['audit-2026-11-28.jsonl', 'audit-2026-11-29.jsonl']);
    const perDay = files.map((f) =>
      readFileSync(join(dataDir, 'audit', f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditEntry),
    );
    // Every line parses, sits in its day's file, and each file keeps the recording order.
    for (const [k, day] of ['2026-11-28', '2026-11-29'].entries()) {
      expect(perDay[k].map((e) => e.operationName)).toEqual(written.filter((e) => e.time.startsWith(day)).map((e) => e.operationName));
    }
    expect(all).toHaveLength(3000);
    const huge = perDay.flat().find((e) => e.operationName === 'Op500')!;
    expect((huge.variables as { text: string }).text).toHaveLength('企业信用'.length * 30_000);
  });
});

describe('hit lines', () => {
  it('are byte for byte the line JSON.stringify gives for the same entry, quotes and non-ASCII included', () => {
    const principal = { id: 'ali"ce\\ 张', role: 'analyst' };
    const answers = [
      { operationName: 'Detail', queryHash: 'ab12', datasets: ['beijing:1', 'shanghai:tradable:"x"'], outcome: 'ok' as const, errorCodes: [], status: 200 },
      { operationName: null, queryHash: null, datasets: [], outcome: 'ok' as const, errorCodes: [], status: 200 },
    ];
    for (const a of answers) {
      for (const cache of ['HIT', 'STALE']) {
        const line = hitLine('2026-11-29T10:00:00.123Z', principal, answerPart(a), 3, cache);
        const full: AuditEntry = { time: '2026-11-29T10:00:00.123Z', principal: principal.id, role: principal.role, ...a, variables: undefined, durationMs: 3, cache };
        expect(line).toBe(
          JSON.stringify({
            time: full.time,
            principal: full.principal,
            role: full.role,
            operationName: full.operationName,
            queryHash: full.queryHash,
            variables: undefined,
            datasets: full.datasets,
            outcome: full.outcome,
            errorCodes: full.errorCodes,
            status: full.status,
            durationMs: full.durationMs,
            cache: full.cache,
          }),
        );
        expect(JSON.parse(line)).toEqual({ ...full, variables: undefined });
      }
    }
  });

  it('land in the file like recorded entries', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dataex-audit-'));
    dirs.push(dataDir);
    const log = new FileAuditLog(dataDir);
    const time = '2026-11-29T10:00:00.000Z';
    log.record(entry(1, time));
    log.recordLine(
      hitLine(time, { id: 'bob', role: 'public' }, answerPart({ operationName: 'Op2', queryHash: null, datasets: ['beijing:2'], outcome: 'ok', errorCodes: [], status: 200 }), 1, 'STALE'),
      time,
    );
    const read = await log.query({});
    await log.close();
    expect(read.map((e) => [e.principal, e.operationName, e.cache])).toEqual([
      ['p1', 'Op1', 'HIT'],
      ['bob', 'Op2', 'STALE'],
    ]);
  });
});

describe('audit files', () => {
  it('are created readable by the owner only (0600), like keys.json, and an older 0644 file is tightened', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dataex-audit-'));
    dirs.push(dataDir);
    // A file left by an older version with the default mode.
    mkdirSync(join(dataDir, 'audit'));
    writeFileSync(join(dataDir, 'audit', 'audit-2026-11-28.jsonl'), '');
    chmodSync(join(dataDir, 'audit', 'audit-2026-11-28.jsonl'), 0o644);
    const log = new FileAuditLog(dataDir);
    log.record(entry(1, '2026-11-28T10:00:00.000Z'));
    log.record(entry(2, '2026-11-29T10:00:00.000Z'));
    expect(await log.query({})).toHaveLength(2);
    await log.close();
    const files = readdirSync(join(dataDir, 'audit')).sort();
    expect(files).toEqual(['audit-2026-11-28.jsonl', 'audit-2026-11-29.jsonl']);
    for (const f of files) expect((statSync(join(dataDir, 'audit', f)).mode & 0o777).toString(8), f).toBe('600');
  });
});

describe('maskVariables', () => {
  it('masks ID and mobile numbers in every written form, in values and keys, at any ordinary depth', () => {
    const masked = maskVariables({
      text: '身份证号11010519491231002X，手机+86 178 0270 8322',
      list: ['86-178-0270-8322', '178-0270-8322', '(+86)17802708322', '+8617802708322', 42, null, true],
      filter: { nested: { deeper: [{ mobile: '17802708322' }] } },
      '17802708322': 'a key',
    });
    expect(masked).toEqual({
      text: '身份证号110105********002X，手机+86 178 **** 8322',
      list: ['86-178-****-8322', '178-****-8322', '(+86)178****8322', '+86178****8322', 42, null, true],
      filter: { nested: { deeper: [{ mobile: '178****8322' }] } },
      '178****8322': 'a key',
    });
  });

  it('never throws on deeply nested variables: beyond a fixed depth a marker stands in', () => {
    const depth = 200_000;
    // What a request body with such variables parses to.
    const objects = JSON.parse(`${'{"a":'.repeat(depth)}"13800138000"${'}'.repeat(depth)}`);
    const arrays = JSON.parse('['.repeat(depth) + ']'.repeat(depth));
    for (const value of [objects, arrays, { ok: '13800138000', deep: objects }]) {
      let masked: unknown;
      expect(() => (masked = maskVariables(value))).not.toThrow();
      // The entry must still serialise: the audit line is JSON.
      const line = JSON.stringify(masked);
      expect(line).toContain('"[too deep]"');
      expect(line).not.toContain('13800138000');
      expect(line.length).toBeLessThan(1000);
    }
    expect((maskVariables({ ok: '13800138000', deep: objects }) as { ok: string }).ok).toBe('138****8000');
  });
});

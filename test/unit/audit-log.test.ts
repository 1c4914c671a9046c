// The file audit log batches lines into buffers: every line must come back whole, in order, in
// its own day's file, whatever its size and however batches and days interleave.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileAuditLog, type AuditEntry } from '../../gateway/audit/log.ts';

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
    const perDay = files.map((f) => readFileSync(join(dataDir, 'audit', f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEntry));
    // Every line parses, sits in its day's file, and each file keeps the recording order.
    for (const [k, day] of ['2026-11-28', '2026-11-29'].entries()) {
      expect(perDay[k].map((e) => e.operationName)).toEqual(written.filter((e) => e.time.startsWith(day)).map((e) => e.operationName));
    }
    expect(all).toHaveLength(3000);
    const huge = perDay.flat().find((e) => e.operationName === 'Op500')!;
    expect((huge.variables as { text: string }).text).toHaveLength('企业信用'.length * 30_000);
  });
});

// Recorded payloads' harness: mapping functions on payloads recorded from the simulators
// (test/fixtures/record.ts, one recorder per upstream in test/fixtures/<upstream>/record.ts);
// test/unit/adapters/<upstream>.recorded.test.ts hold what is specific to each upstream.

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HarvestPage } from '../../../subgraphs/common/adapter.ts';
import { exchangeById, UPSTREAMS } from '../../../subgraphs/exchanges.ts';
import { fixture } from './helpers.ts';

/** A time in the unified model: China time, to the second. */
export const ISO_CN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;
/** A GB/T 4754 section. */
export const SECTION = /^[A-T]$/;

const FIXTURES = new URL('../../fixtures/', import.meta.url);

/** The payloads recorded from the upstream's simulator: test/fixtures/<upstream>/recorded-*.json. */
export function recordedFixtures(upstream: string): string[] {
  return readdirSync(new URL(`${upstream}/`, FIXTURES))
    .filter((f) => /^recorded-.*\.json$/.test(f))
    .sort();
}

/**
 * Declares the upstream's recorded-payload tests: `body` reads its payloads with `recorded(name)`
 * ("list" → test/fixtures/<upstream>/recorded-list.json); a last test checks that every payload
 * recorded for the upstream was read, so a new recording is not left untested.
 */
export function describeRecorded(upstream: string, body: (recorded: (name: string) => string) => void): void {
  describe(`recorded ${upstream} payloads`, () => {
    const read = new Set<string>();
    const recorded = (name: string) => {
      const file = `recorded-${name}.json`;
      read.add(file);
      return fixture(`${upstream}/${file}`);
    };
    body(recorded);
    it('maps every payload recorded from the simulator', () => {
      expect(UPSTREAMS.map((u) => u.name)).toContain(upstream);
      const files = recordedFixtures(upstream);
      expect(files.length).toBeGreaterThan(0);
      expect(files.filter((f) => !read.has(f))).toEqual([]);
    });
  });
}

/**
 * A recorded list page of an exchange in the list maps without a single skipped item: `count`
 * records, each with the exchange's id and prefix, a native key of its shape, a China time, sections.
 */
export function expectWholePage(exchange: string, page: HarvestPage, count: number, nativeId: RegExp | ((key: string) => boolean)): void {
  expect(exchangeById(exchange), `${exchange} in subgraphs/exchanges.ts`).toBeDefined();
  expect(page.skipped).toEqual([]);
  expect(page.records).toHaveLength(count);
  expect(count).toBeGreaterThan(0);
  const shaped = typeof nativeId === 'function' ? nativeId : (key: string) => nativeId.test(key);
  for (const r of page.records) {
    expect(r.exchange).toBe(exchange);
    expect(r.id).toBe(`${exchange}:${r.nativeId}`);
    expect(shaped(r.nativeId), `native key ${r.nativeId}`).toBe(true);
    expect(r.updatedAt).toMatch(ISO_CN);
    for (const s of r.sectors) expect(s).toMatch(SECTION);
  }
}

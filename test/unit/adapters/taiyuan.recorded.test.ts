// Taiyuan's mappings on payloads recorded from its simulator (test/fixtures/taiyuan/record.ts):
// real CKAN replies map without a single skipped package, and the recorded errors mean what
// the adapter takes them to mean.

import { expect, it } from 'vitest';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { ckanFailure, mapSearchResponse, mapShowResponse, PACKAGE_NAME } from '../../../subgraphs/taiyuan/mapping.ts';
import { describeRecorded, expectWholePage, ISO_CN } from './recorded-harness.ts';

describeRecorded('taiyuan', (recorded) => {
  const page = mapSearchResponse(recorded('search'));

  it('maps every package of a real search page, sorted by name', () => {
    const body = JSON.parse(recorded('search'));
    expectWholePage('taiyuan', page, body.result.results.length, PACKAGE_NAME);
    expect(page.count).toBe(body.result.count);
    expect(page.returned).toBe(body.result.results.length);
    const names = page.records.map((r) => r.nativeId);
    expect(names).toEqual([...names].sort());
    // Zone-less UTC on the wire, China time in the model: eight hours later.
    const raw = body.result.results[0].metadata_modified as string;
    expect(Date.parse(page.records[0].updatedAt)).toBe(Math.floor(Date.parse(`${raw.slice(0, 19)}Z`) / 1000) * 1000);
    for (const r of page.records) expect(r.headlinePrice).not.toBeNull();
  });

  it('maps the default order (newest first) from an offset', () => {
    const other = mapSearchResponse(recorded('search-default-sort'));
    expectWholePage('taiyuan', other, 5, PACKAGE_NAME);
    const times = other.records.map((r) => r.updatedAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('maps recorded package_show replies: prices, delivery, certificates, sample', () => {
    let certificates = 0;
    let samples = 0;
    for (const n of [1, 2, 3]) {
      const text = recorded(`show-${n}`);
      const name = JSON.parse(text).result.name as string;
      const d = mapShowResponse(text, name);
      expect(d.id).toBe(`taiyuan:${name}`);
      expect(d.pricing.length).toBeGreaterThan(0);
      expect(d.delivery.length).toBeGreaterThan(0);
      for (const c of d.certificates) expect(c.issuedAt).toMatch(ISO_CN);
      certificates += d.certificates.length;
      if (d.sample) {
        samples++;
        expect(d.sample.rows.every((row) => row.length === d.sample!.columns.length)).toBe(true);
      }
    }
    expect(certificates).toBeGreaterThan(0);
    expect(samples).toBeGreaterThan(0);
  });

  it('reads the recorded errors: 404 Not Found Error is "not found", 403 and 409 are upstream errors', () => {
    expect(ckanFailure(404, recorded('show-404'), 'show').notFound).toBe(true);
    const denied = ckanFailure(403, recorded('show-403'), 'show');
    expect(denied.notFound).toBe(false);
    expect(denied.error.message).toMatch(/API token rejected/);
    expect(denied.error.message).not.toContain('sim-taiyuan-token');
    expect(ckanFailure(409, recorded('search-409'), 'list').error).toBeInstanceOf(UpstreamError);
    expect(() => mapSearchResponse(recorded('search-409'))).toThrow(UpstreamError);
  });
});

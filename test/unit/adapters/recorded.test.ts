// Mapping functions on payloads recorded from the simulators (test/fixtures/record.ts):
// real wire text maps without a single skipped item, and the recorded quirks behave.

import { parse as parseLossless, isSafeNumber, LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { mapDetailResponse as bjDetail, mapListResponse as bjList } from '../../../subgraphs/beijing/mapping.ts';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { isValidUscc } from '../../../subgraphs/common/identifiers.ts';
import { mapGatewayResponse as gyDetail, mapListResponse as gyList } from '../../../subgraphs/guiyang/mapping.ts';
import { mapLookupResponse } from '../../../subgraphs/registry/mapping.ts';
import { mapDetailBatchResponse, mapSearchResponse } from '../../../subgraphs/shanghai/mapping.ts';
import { fixture } from './helpers.ts';

const ISO_CN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;
const SECTION = /^[A-T]$/;

describe('recorded beijing payloads', () => {
  const page = bjList(fixture('beijing/recorded-list.json'));

  it('maps every listing of a real page', () => {
    expect(page.skipped).toEqual([]);
    expect(page.records).toHaveLength(JSON.parse(fixture('beijing/recorded-list.json')).data.records.length);
    for (const r of page.records) {
      expect(r.id).toBe(`beijing:${r.nativeId}`);
      expect(r.nativeId).toMatch(/^[0-9a-f]{32}$/);
      expect(r.updatedAt).toMatch(ISO_CN);
      expect(r.sectors).toHaveLength(1);
      expect(r.sectors[0]).toMatch(SECTION);
      const fen = r.headlinePrice?.amountFen;
      if (fen !== null && fen !== undefined) expect(Number.isInteger(fen)).toBe(true);
    }
  });

  it('records the pageNum quirk: the wrong field name silently gives page 1', () => {
    const quirk = bjList(fixture('beijing/recorded-list-pagenum-quirk.json'));
    expect(quirk.current).toBe(1);
    expect(quirk.records[0].id).toBe(page.records[0].id);
  });

  it('maps recorded details and detail errors', () => {
    for (const n of [1, 2, 3]) {
      const text = fixture(`beijing/recorded-detail-${n}.json`);
      const uuid = JSON.parse(text).data.uuid as string;
      const d = bjDetail(text, uuid)!;
      expect(d.id).toBe(`beijing:${uuid}`);
      expect(d.pricing.length).toBeGreaterThan(0);
      for (const c of d.certificates) expect(c.issuedAt).toMatch(ISO_CN);
    }
    expect(bjDetail(fixture('beijing/recorded-detail-404.json'), '0'.repeat(32))).toBeNull();
    expect(() => bjDetail(fixture('beijing/recorded-detail-401.json'), '0'.repeat(32))).toThrow(UpstreamError);
  });
});

describe('recorded shanghai payloads', () => {
  const naiveIds = (text: string) => (JSON.parse(text).data.list as Array<{ id: number }>).map((x) => x.id);
  const exactIds = (text: string) =>
    (parseLossless(text, null, (v: string) => (isSafeNumber(v) ? Number(v) : new LosslessNumber(v))) as { data: { list: Array<{ id: unknown }> } }).data.list.map((x) => String(x.id));

  it('maps every listing of both id spaces with exact 19-digit ids', () => {
    for (const [file, space, type] of [
      ['shanghai/recorded-search-type1.json', 'registered', 1],
      ['shanghai/recorded-search-type2.json', 'tradable', 2],
    ] as const) {
      const text = fixture(file);
      const page = mapSearchResponse(text, type);
      expect(page.skipped).toEqual([]);
      const ids = exactIds(text);
      expect(page.records.map((r) => r.nativeId)).toEqual(ids.map((id) => `${space}:${id}`));
      for (const id of ids) expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      // What JSON.parse would have produced: different, wrong ids.
      expect(naiveIds(text).map(String)).not.toEqual(ids);
      for (const r of page.records) {
        expect(r.updatedAt).toMatch(ISO_CN);
        for (const s of r.sectors) expect(s).toMatch(SECTION);
      }
    }
  });

  it('keeps a recorded colliding id in both spaces apart', () => {
    const text = fixture('shanghai/recorded-search-colliding.json');
    const [a, b] = exactIds(text);
    expect(a).toBe(b);
    const reg = mapSearchResponse(text, 1);
    const trad = mapSearchResponse(text, 2);
    expect(reg.records.map((r) => r.id)).toEqual([`shanghai:registered:${a}`]);
    expect(trad.records.map((r) => r.id)).toEqual([`shanghai:tradable:${a}`]);
    expect(reg.records[0].title).not.toBe(trad.records[0].title);
  });

  it('maps a recorded detail batch: both spaces, unknown keys absent', () => {
    const batch = mapDetailBatchResponse(fixture('shanghai/recorded-detail-batch.json'));
    expect(batch.unattributable).toBe(0);
    const colliding = exactIds(fixture('shanghai/recorded-search-colliding.json'))[0];
    expect(batch.details.get(`registered:${colliding}`)).toMatchObject({ id: `shanghai:registered:${colliding}` });
    expect(batch.details.get(`tradable:${colliding}`)).toMatchObject({ id: `shanghai:tradable:${colliding}` });
    expect(batch.details.has('tradable:1000000000000000001')).toBe(false);
    for (const d of batch.details.values()) {
      if (d instanceof Error) throw d;
      for (const c of d.certificates) expect(c.issuedAt).toMatch(ISO_CN);
    }
  });

  it('turns the recorded 50-key limit and token errors into UPSTREAM_ERROR', () => {
    expect(() => mapDetailBatchResponse(fixture('shanghai/recorded-detail-batch-too-many.json'))).toThrow(/upstream error code 400 \(keys 超过上限 50\)/);
    expect(() => mapSearchResponse(fixture('shanghai/recorded-token-expired.json'), 1)).toThrow(/upstream error code 401 \(token expired\)/);
  });
});

describe('recorded guiyang payloads', () => {
  it('maps every listing of a real page', () => {
    const page = gyList(fixture('guiyang/recorded-list.json'));
    expect(page.skipped).toEqual([]);
    expect(page.records.length).toBe(page.count);
    for (const r of page.records) {
      expect(r.id).toBe(`guiyang:${r.nativeId}`);
      expect(r.updatedAt).toMatch(/T00:00:00\+08:00$/);
      expect(r.sectors.length).toBeGreaterThan(0);
      expect(r.headlinePrice).not.toBeNull();
    }
  });

  it('decodes recorded gateway replies and inner error codes', () => {
    for (const n of [1, 2, 3]) {
      const text = fixture(`guiyang/recorded-gateway-${n}.json`);
      const id = JSON.parse(JSON.parse(text).data).data.serviceId as number;
      const d = gyDetail(text, id)!;
      expect(d.id).toBe(`guiyang:${id}`);
      if (d.sample) for (const row of d.sample.rows) expect(row).toHaveLength(d.sample.columns.length);
    }
    expect(gyDetail(fixture('guiyang/recorded-gateway-e404.json'), 1)).toBeNull();
    expect(() => gyDetail(fixture('guiyang/recorded-gateway-e401.json'), 1)).toThrow(/E401/);
    expect(() => gyDetail(fixture('guiyang/recorded-gateway-outer-400.json'), 1)).toThrow(/gateway code 400/);
  });
});

describe('recorded registry payloads', () => {
  it('maps every enterprise; region codes from the USCC; legacy codes kept', () => {
    const text = fixture('registry/recorded-lookup.json');
    const result = mapLookupResponse(text);
    expect(result.skipped).toEqual([]);
    expect(result.registrations).toHaveLength(JSON.parse(text).data.length);
    for (const r of result.registrations) {
      expect(r.regionCode).toBe(r.creditCode.slice(2, 8));
      if (r.registeredCapitalFen !== null) expect(Number.isSafeInteger(r.registeredCapitalFen)).toBe(true);
    }
    expect(result.registrations.some((r) => !isValidUscc(r.creditCode))).toBe(true);
    expect(() => mapLookupResponse(fixture('registry/recorded-lookup-401.json'))).toThrow(/code 401/);
  });
});

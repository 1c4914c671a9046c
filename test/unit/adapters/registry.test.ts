import { afterEach, describe, expect, it } from 'vitest';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import type { RegistryAdapter } from '../../../subgraphs/common/adapter.ts';
import { isValidUscc, usccCheckChar } from '../../../subgraphs/common/identifiers.ts';
import { createRegistryAdapter } from '../../../subgraphs/registry/adapter.ts';
import { capitalFen, mapLookupResponse, regionCodeOf } from '../../../subgraphs/registry/mapping.ts';
import { failure, fixture, stubServer, type Stub } from './helpers.ts';

describe('registry mapping', () => {
  const result = mapLookupResponse(fixture('registry/lookup.json'));
  const byCode = new Map(result.registrations.map((r) => [r.creditCode, r]));

  it('maps an enterprise to a Registration', () => {
    expect(byCode.get('91310110666007217T')).toEqual({
      creditCode: '91310110666007217T',
      name: '上海某某数据科技有限公司',
      legalRepresentative: '张三',
      registeredCapitalFen: 1_000_000_000, // 1000万元 = 10,000,000 yuan
      establishedOn: '2015-03-02',
      status: '存续',
      address: '上海市杨浦区某某路1号',
      businessScope: '数据处理和存储支持服务',
      regionCode: '310110',
    });
  });

  it('keeps legacy codes, drops foreign-currency capital and invalid dates', () => {
    const legacy = byCode.get('91350100M0001TGQXM')!;
    expect(isValidUscc(legacy.creditCode)).toBe(false);
    expect(legacy).toMatchObject({ registeredCapitalFen: null, regionCode: '350100', establishedOn: null, legalRepresentative: null });
    const gz = byCode.get('91330127MA28NJBQ8X')!;
    expect(gz).toMatchObject({ registeredCapitalFen: 500_000, establishedOn: null, address: null, regionCode: '330127' });
  });

  it('skips invalid entries', () => {
    expect(result.registrations).toHaveLength(3);
    expect(result.skipped).toEqual([{ creditCode: null, reason: expect.stringMatching(/^uscc: /) }]);
  });

  it('turns error envelopes and truncated JSON into UPSTREAM_ERROR', () => {
    expect(() => mapLookupResponse(fixture('registry/error-401.json'))).toThrow(/registry lookup: upstream error code 401/);
    expect(() => mapLookupResponse('{"code":0,"data":[{"uscc"')).toThrow(/not valid JSON/);
  });

  it('helpers: capital and region', () => {
    expect(capitalFen('1000万元人民币')).toBe(1_000_000_000);
    expect(capitalFen('50万美元')).toBeNull();
    expect(capitalFen(null)).toBeNull();
    expect(regionCodeOf('91310110666007217T')).toBe('310110');
    expect(regionCodeOf('short')).toBeNull();
  });

  it('USCC check: valid, invalid and legacy codes from domain.md', () => {
    for (const c of ['91350100M000100Y43', '91310110666007217T', '91330127MA28NJBQ8X']) expect(isValidUscc(c)).toBe(true);
    expect(isValidUscc('91310110666007217U')).toBe(false);
    expect(isValidUscc('91350100M0001TGQXM')).toBe(false);
    expect(usccCheckChar('91310110666007217')).toBe('T');
  });
});

describe('registry adapter (stub upstream)', () => {
  let stub: Stub | undefined;
  let adapter: RegistryAdapter | undefined;
  afterEach(async () => {
    await adapter?.close();
    await stub?.close();
    adapter = stub = undefined;
  });

  /** Valid-looking codes: 9131011 + 10-digit counter + check character. */
  const code = (i: number) => {
    const first17 = `9131011${String(i).padStart(10, '0')}`;
    return first17 + usccCheckChar(first17);
  };

  it('chunks by 100, de-duplicates, sends X-Api-Key and maps replies', async () => {
    stub = await stubServer((r) => {
      if (r.headers['x-api-key'] !== SIM_CREDENTIALS.registry.apiKey) return { status: 401, body: { code: 401, message: 'bad key' } };
      const codes = new URL(r.url, 'http://x').searchParams.get('codes')!.split(',');
      if (codes.length > 100) return { status: 400, body: { code: 400, message: 'too many' } };
      const data = codes
        .filter((c) => Number(c.slice(7, 17)) > 9) // codes 1..9 unknown
        .map((c) => ({ uscc: c, name: `公司${c}`, legalPerson: null, regCapital: '100万元', establishDate: '2020-01-01', regStatus: '存续', address: null, scope: null }));
      return { body: { code: 0, message: 'ok', data } };
    });
    adapter = createRegistryAdapter({ baseUrl: stub.url });
    const codes = Array.from({ length: 250 }, (_, i) => code(i + 1));
    const out = await adapter.lookup([...codes, ...codes.slice(0, 20), 'not-a-code', 'a,b']);
    const sent = stub.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('codes')!.split(','));
    expect(sent.map((s) => s.length)).toEqual([100, 100, 50]);
    expect(new Set(sent.flat()).size).toBe(250);
    expect(out.size).toBe(250 - 9); // codes 1..9 are unknown to this stub
    expect(out.get(code(100))).toMatchObject({ name: `公司${code(100)}`, registeredCapitalFen: 100_000_000, regionCode: '310110' });
    expect(out.has(code(1))).toBe(false);
  });

  it('maps a rejected API key to UPSTREAM_ERROR without the key', async () => {
    stub = await stubServer(() => ({ status: 401, body: fixture('registry/error-401.json') }));
    adapter = createRegistryAdapter({ baseUrl: stub.url, apiKey: 'key-that-must-not-leak' });
    const e = await failure(adapter.lookup([code(1)]));
    expect(e).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'registry' });
    expect(e.message).not.toContain('key-that-must-not-leak');
  });

  it('does not call the registry for an empty request', async () => {
    stub = await stubServer(() => ({ body: '{}' }));
    adapter = createRegistryAdapter({ baseUrl: stub.url });
    expect((await adapter.lookup([])).size).toBe(0);
    expect(stub.requests).toHaveLength(0);
  });
});

// Access control and data protection end to end: what each role sees (checked against the
// simulators' own data), masking, signed principals, hostile documents, the audit log.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Readable } from 'node:stream';
import { apiKey, startTestStack, type TestStack } from '../helpers/stack.ts';
import type { ExchangeListing, World } from '../../simulators/world.ts';
import { isValidResidentId } from '../../subgraphs/common/identifiers.ts';
import { DEFAULT_CLEARANCE, type Clearance } from '../../lib/principal.ts';
import { DATA_LEVELS } from '../../subgraphs/common/model.ts';
import { encodeClaims, signRequest } from '../../lib/principal-token.ts';
import { Header } from '../../lib/headers.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

let stack: TestStack;
let world: World;
const headers: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  stack = await startTestStack();
  world = stack.simulators.beijing!.world;
  headers.anonymous = { authorization: '' };
  headers.public = await apiKey(stack, 'public', 'pub');
  headers.analyst = await apiKey(stack, 'analyst', 'ana');
  headers.admin = await apiKey(stack, 'admin', 'root');
  // Sees every listing but is not cleared for personal information: the masking test's caller.
  const { key } = await stack.keys.create({ principalId: 'wide-public', role: 'public', clearance: { maxLevel: 'CORE', maxGrade: null }, personalInfo: false });
  headers.widePublic = { authorization: `Bearer ${key}` };
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

function visible(l: ExchangeListing, c: Clearance): boolean {
  const rank = DATA_LEVELS.indexOf(l.classification.level);
  if (rank > DATA_LEVELS.indexOf(c.maxLevel)) return false;
  return !(l.classification.level === 'GENERAL' && c.maxGrade !== null && (l.classification.grade ?? 4) > c.maxGrade);
}

function expectedCounts(c: Clearance): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { id } of EXCHANGES) out[id] = world.listingsOf(id).filter((l) => visible(l, c)).length;
  return out;
}

const allListings = (): ExchangeListing[] => EXCHANGES.flatMap((e) => world.listingsOf(e.id));
/** The unified id the catalog gives the listing ("<exchange>:<nativeId>"). */
const idOf = (l: ExchangeListing) => l.id;

describe('what each role sees', () => {
  it('counts, facets and exchange figures hold exactly the listings each clearance allows', async () => {
    for (const role of ['anonymous', 'public', 'analyst', 'admin'] as const) {
      const clearance = DEFAULT_CLEARANCE[role === 'anonymous' ? 'public' : role].clearance;
      const expected = expectedCounts(clearance);
      const res = await stack.gql('{ search(first: 0) { totalCount facets { exchanges { value count } levels { value count } } } exchanges { id datasetCount } }', undefined, headers[role]);
      expect(res.errors, role).toBeUndefined();
      const total = Object.values(expected).reduce((a, b) => a + b, 0);
      expect(res.data.search.totalCount, role).toBe(total);
      expect(Object.fromEntries(res.data.search.facets.exchanges.map((f: any) => [f.value, f.count])), role).toEqual(expected);
      expect(Object.fromEntries(res.data.exchanges.map((e: any) => [e.id, e.datasetCount])), role).toEqual(expected);
      const levels = res.data.search.facets.levels.map((f: any) => f.value);
      for (const level of levels) expect(DATA_LEVELS.indexOf(level), `${role} sees ${level}`).toBeLessThanOrEqual(DATA_LEVELS.indexOf(clearance.maxLevel));
    }
    // The clearances really differ on this data.
    const pub = expectedCounts(DEFAULT_CLEARANCE.public.clearance);
    const all = expectedCounts(DEFAULT_CLEARANCE.admin.clearance);
    expect(pub.beijing).toBeLessThan(all.beijing);
  });

  it("a listing above the caller's clearance is FORBIDDEN by id, and absent from its provider's listings", async () => {
    const core = allListings().find((l) => l.classification.level === 'CORE')!;
    const general = allListings().find((l) => l.classification.level === 'GENERAL' && (l.classification.grade ?? 4) <= 2)!;
    const query = 'query($a: ID!, $b: ID!) { one: dataset(id: $a) { id title } many: datasets(ids: [$a, $b]) { id } }';
    const vars = { a: idOf(core), b: idOf(general) };

    const pub = await stack.gql(query, vars, headers.public);
    expect(pub.data.one).toBeNull();
    expect(pub.data.many).toEqual([null, { id: idOf(general) }]);
    expect(pub.errors?.map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual([
      ['FORBIDDEN', 'one'],
      ['FORBIDDEN', 'many.0'],
    ]);

    const admin = await stack.gql(query, vars, headers.admin);
    expect(admin.errors).toBeUndefined();
    expect(admin.data.one.title).toBe(core.title);

    const providerQuery = `{ provider(creditCode: "${core.providerCode}") { datasets(first: 100) { totalCount edges { node { id } } } } }`;
    const providerListings = allListings().filter((l) => l.providerCode === core.providerCode);
    const asAdmin = await stack.gql(providerQuery, undefined, headers.admin);
    expect(asAdmin.data.provider.datasets.totalCount).toBe(providerListings.length);
    const asPublic = await stack.gql(providerQuery, undefined, headers.public);
    const publicIds = (asPublic.data.provider?.datasets.edges ?? []).map((e: any) => e.node.id);
    expect(publicIds).not.toContain(idOf(core));
    expect(asPublic.data.provider?.datasets.totalCount ?? 0).toBe(providerListings.filter((l) => visible(l, DEFAULT_CLEARANCE.public.clearance)).length);
  });

  it('price plans need the analyst role; the headline price stays public', async () => {
    const q = '{ search(first: 3, filter: { exchanges: ["beijing"] }) { edges { node { id headlinePrice { text } pricing { model } } } } }';
    const pub = await stack.gql(q, undefined, headers.public);
    expect(pub.data.search.edges).toHaveLength(3);
    for (const e of pub.data.search.edges) {
      expect(e.node.pricing).toBeNull();
      expect(e.node.headlinePrice).not.toBeNull();
    }
    expect(pub.errors?.length).toBe(3);
    for (const e of pub.errors!) expect(e.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const analyst = await stack.gql(q, undefined, headers.analyst);
    expect(analyst.errors).toBeUndefined();
    expect(analyst.data.search.edges).toHaveLength(3);
    for (const e of analyst.data.search.edges) expect(e.node.pricing.length).toBeGreaterThan(0);
  });
});

describe('personal information', () => {
  const ID = /(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])/g;
  const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

  function unmasked(text: string): string[] {
    return [...(text.match(ID) ?? []).filter((m) => isValidResidentId(m)), ...(text.match(MOBILE) ?? [])];
  }

  async function sweep(who: Record<string, string>): Promise<{ leaks: string[]; bytes: number }> {
    // Listings that carry personal information, across every exchange, with their samples.
    const queries = [
      '{ search(first: 100, filter: { containsPersonalInfo: true }) { edges { node { id title description keywords sample(rows: 20) { columns rows masked } } } } }',
      '{ search(first: 100, text: "身份证", orderBy: UPDATED_DESC) { edges { node { id sample(rows: 20) { rows } } } } }',
      '{ search(first: 100, text: "手机号") { edges { node { id description sample(rows: 20) { rows } } } } }',
      '{ search(first: 100, filter: { exchanges: ["guiyang"], containsPersonalInfo: true }) { edges { node { sample(rows: 20) { rows } } } } }',
      '{ search(first: 100, filter: { exchanges: ["shanghai"], containsPersonalInfo: true }) { edges { node { sample(rows: 20) { rows } } } } }',
      '{ providers(first: 50) { edges { node { name datasets(first: 5) { edges { node { sample(rows: 5) { rows } } } } registration { legalRepresentative address } } } } }',
    ];
    let leaks: string[] = [];
    let bytes = 0;
    for (const q of queries) {
      const res = await stack.http('/graphql', { method: 'POST', body: JSON.stringify({ query: q }), headers: { 'content-type': 'application/json', ...who } });
      bytes += res.text.length;
      leaks = leaks.concat(unmasked(res.text));
    }
    return { leaks, bytes };
  }

  it('no public response carries an unmasked ID number or mobile number', async () => {
    const wide = await sweep(headers.widePublic);
    expect(wide.bytes).toBeGreaterThan(100_000);
    expect(wide.leaks).toEqual([]);
    expect((await sweep(headers.anonymous)).leaks).toEqual([]);
    // The same sweep as a caller cleared for personal information does find them: the scan works.
    expect((await sweep(headers.admin)).leaks.length).toBeGreaterThan(10);
  });

  it('masks as domain.md says: 110105********002X, 138****1234, 张*丰', async () => {
    const res = await stack.gql('{ search(first: 50, filter: { containsPersonalInfo: true }) { edges { node { sample(rows: 20) { columns rows masked } } } } }', undefined, headers.widePublic);
    const samples = res.data.search.edges.map((e: any) => e.node.sample).filter((s: any) => s?.masked);
    expect(samples.length).toBeGreaterThan(0);
    const cells = samples.flatMap((s: any) => s.rows.flatMap((r: any[]) => r.map((v, i) => [s.columns[i], v])));
    const ids = cells.filter(([c]: [string]) => /身份证/.test(c)).map(([, v]: [string, string]) => v);
    const mobiles = cells.filter(([c]: [string]) => /手机/.test(c)).map(([, v]: [string, string]) => v);
    const names = cells.filter(([c]: [string]) => c === '姓名').map(([, v]: [string, string]) => v);
    // Each format on its own: one of them missing from the data would leave its check empty.
    const formats: Array<[string, string[], RegExp]> = [
      ['ID numbers', ids, /^\d{6}\*{8}\d{3}[\dX]$/],
      ['mobiles', mobiles, /^1\d{2}\*{4}\d{4}$/],
      ['names', names, /^\S\*+\S?$/u],
    ];
    for (const [what, values, format] of formats) {
      const filled = values.filter(Boolean);
      expect(filled.length, `${what} in the masked samples`).toBeGreaterThan(0);
      for (const v of filled) expect(v, what).toMatch(format);
    }
  });
});

describe('principal propagation', () => {
  const body = JSON.stringify({ query: '{ exchanges { id datasetCount } }' });
  const post = (extra: Record<string, string>, payload = body) =>
    request(stack.subgraphs.catalog.url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', ...extra } }).then(async (r) => ({
      status: r.statusCode,
      body: (await r.body.json()) as any,
    }));
  const admin = { id: 'mallory', role: 'admin' as const, clearance: { maxLevel: 'CORE' as const, maxGrade: null }, personalInfo: true };

  it('subgraphs refuse unsigned, forged, tampered, re-targeted, expired and replayed principal headers', async () => {
    const claims = encodeClaims(admin);
    expect((await post({})).status).toBe(401);
    expect((await post({ [Header.PRINCIPAL]: claims })).status).toBe(401);
    expect((await post({ [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest('not-the-secret', claims, body, Date.now(), 'catalog') })).status).toBe(401);

    const good = { [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest(stack.signingSecret, claims, body, Date.now(), 'catalog') };
    const ok = await post(good);
    expect(ok.status).toBe(200);
    expect(ok.body.data.exchanges).toHaveLength(EXCHANGES.length);
    const replay = await post(good);
    expect(replay.status).toBe(401);
    expect(replay.body.errors[0].message).toMatch(/replayed/);

    const publicClaims = encodeClaims({ ...admin, role: 'public' });
    const signedForPublic = signRequest(stack.signingSecret, publicClaims, body, Date.now(), 'catalog');
    expect((await post({ [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signedForPublic })).status).toBe(401);
    const otherBody = JSON.stringify({ query: '{ search(first: 1) { totalCount } }' });
    expect((await post({ [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest(stack.signingSecret, claims, body, Date.now(), 'catalog') }, otherBody)).status).toBe(401);
    const expired = signRequest(stack.signingSecret, claims, body, Date.now() - 60_000, 'catalog');
    const forBeijing = await post({ [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest(stack.signingSecret, claims, body, Date.now(), 'beijing') });
    expect(forBeijing.status).toBe(401);
    expect(forBeijing.body.errors[0].message).toMatch(/another subgraph/);
    const res = await post({ [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: expired });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toMatch(/expired/);
  });

  it('the gateway ignores principal headers a client sends', async () => {
    const claims = encodeClaims(admin);
    const forged = { [Header.PRINCIPAL]: claims, [Header.SIGNATURE]: signRequest(stack.signingSecret, claims, '{}', Date.now(), 'catalog'), authorization: '' };
    const res = await stack.gql('{ search(first: 0) { totalCount } }', undefined, forged);
    const publicTotal = Object.values(expectedCounts(DEFAULT_CLEARANCE.public.clearance)).reduce((a, b) => a + b, 0);
    expect(res.data.search.totalCount).toBe(publicTotal);
  });
});

describe('hostile documents', () => {
  // 50 levels: provider → datasets → edges → node, nested again and again.
  let nested = 'id';
  for (let i = 0; i < 13; i++) nested = `provider { datasets { edges { node { ${nested} } } } }`;
  const deep = `{ search { edges { node { ${nested} } } } }`;
  const aliases = `{ exchanges { ${Array.from({ length: 1000 }, (_, i) => `a${i}: id`).join(' ')} } }`;
  const cycle = 'query { exchanges { ...A } } fragment A on Exchange { id ...B } fragment B on Exchange { name ...A }';
  const huge = `{ exchanges { id } } # ${'x'.repeat(1_000_000)}`;
  const hugeFirst = '{ search(first: 100000) { edges { node { id title provider { name } } } } }';
  const manyTokens = `{ exchanges { ${'id '.repeat(6_000)} } }`; // 18 KB: within the size limit, over the token limit

  it('are refused quickly, with clear codes and figures', async () => {
    const cases: Array<[string, string, RegExp]> = [
      [deep, 'QUERY_TOO_COMPLEX', /depth \d+ exceeds the limit of 12/],
      [aliases, 'QUERY_TOO_COMPLEX', /aliases 31 exceeds the limit of 30/],
      [cycle, 'GRAPHQL_VALIDATION_FAILED', /Cannot spread fragment/],
      [huge, 'QUERY_TOO_COMPLEX', /document size \d+ bytes exceeds/],
      [hugeFirst, 'QUERY_TOO_COMPLEX', /estimated cost \d+ exceeds the public limit of 5000/],
      [manyTokens, 'QUERY_TOO_COMPLEX', /tokens \d+ exceeds the limit of 5000/],
    ];
    const post = async (query: string, extra: Record<string, string> = {}) => {
      const started = performance.now();
      const res = await stack.http('/graphql', { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json', ...extra } });
      return { res, ms: performance.now() - started };
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // "Quickly" against a baseline taken here, under this run's load: a small valid query
    // executed in full (parse, validation, plan, a catalog subgraph call; no response cache),
    // interleaved with the refusals. A refusal is decided before any of that work. A document of
    // a megabyte also has to travel and be read first (on a loaded machine that alone takes
    // longer than a small query): its baseline adds a body of the same size that is refused as
    // malformed JSON once read.
    const sameSizeMalformed = `{"query": "${'x'.repeat(huge.length)}`;
    const refusals: Array<[string, number, number]> = [];
    for (const [query, code, message] of cases) {
      const times: number[] = [];
      const baseline: number[] = [];
      for (let run = 0; run < 3; run++) {
        const normal = await post('{ exchanges { id name } }', { 'cache-control': 'no-cache' });
        expect(normal.res.status).toBe(200);
        let base = normal.ms;
        if (query === huge) {
          const started = performance.now();
          const malformed = await stack.http('/graphql', { method: 'POST', body: sameSizeMalformed, headers: { 'content-type': 'application/json' } });
          expect(malformed.status).toBe(400);
          base += performance.now() - started;
        }
        baseline.push(base);
        const { res, ms } = await post(query);
        const parsed = JSON.parse(res.text);
        expect(res.status, query.slice(0, 40)).toBeGreaterThanOrEqual(400);
        expect(parsed.errors[0].extensions.code, query.slice(0, 40)).toBe(code);
        expect(parsed.errors[0].message).toMatch(message);
        times.push(ms);
      }
      refusals.push([code, median(times), median(baseline)]);
    }
    for (const [code, ms, baseMs] of refusals) {
      expect(ms, `${code} took ${ms.toFixed(1)} ms; its baseline ${baseMs.toFixed(1)} ms`).toBeLessThan(Math.max(3 * baseMs, baseMs + 100));
    }
  });

  it('bodies over the size limit get 413, declared or streamed; malformed JSON gets 400; the next request is answered', async () => {
    const oversized = JSON.stringify({ query: `{ exchanges { id } } # ${'x'.repeat(1_500_000)}` });
    const declared = await stack.http('/graphql', { method: 'POST', body: oversized, headers: { 'content-type': 'application/json' } });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).errors[0].message).toMatch(/request body of \d+ bytes exceeds the limit of 1048576 bytes/);
    // Chunked, with no Content-Length: refused once the limit is passed, without reading the rest.
    const chunks = Array.from({ length: 30 }, () => Buffer.from('x'.repeat(64 * 1024)));
    const streamed = await request(`${stack.baseUrl}/graphql`, { method: 'POST', body: Readable.from(chunks), headers: { 'content-type': 'application/json' } });
    expect(streamed.statusCode).toBe(413);
    expect(((await streamed.body.json()) as any).errors[0].message).toMatch(/request body exceeds the limit of 1048576 bytes/);
    const malformed = await stack.http('/graphql', { method: 'POST', body: '{"query": "{ exchanges { id } }"', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text).errors[0].message).toMatch(/malformed JSON body/);
    const next = await stack.gql('{ exchanges { id } }');
    expect(next.errors).toBeUndefined();
    expect(next.data.exchanges.length).toBeGreaterThan(0);
  });

  it('do not slow other requests', async () => {
    const normal = '{ search(first: 5, text: "数据") { totalCount edges { node { id title } } } }';
    // The same 20 normal requests twice: alone (the baseline, measured here under this run's
    // load), then while 40 hostile documents are being refused.
    const normals = (round: number) =>
      Array.from({ length: 20 }, async (_, i) => {
        const started = performance.now();
        const res = await stack.gql(normal.replace('first: 5', `first: ${5 + i}`), undefined, { 'cache-control': 'no-cache', 'x-round': String(round) });
        return { res, ms: performance.now() - started };
      });
    const slowest = (rs: Array<{ ms: number }>) => Math.max(...rs.map((r) => r.ms));
    // The hostile documents cost their own (short) refusals, never a wait behind them: the
    // slowest normal request stays within twice the slowest one alone, plus a little. Timings
    // on a shared 2-core machine swing between one round and the next, so the pair is measured
    // up to three times and one clean pair suffices; a refusal that held the event loop would
    // slow every pair.
    const pairs: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const alone = await Promise.all(normals(2 * attempt));
      for (const r of alone) expect(r.res.errors).toBeUndefined();
      const hostile = Array.from({ length: 40 }, (_, i) =>
        stack.http('/graphql', { method: 'POST', body: JSON.stringify({ query: [aliases, huge, deep, manyTokens][i % 4] }), headers: { 'content-type': 'application/json' } }),
      );
      const [hostileResults, normalResults] = await Promise.all([Promise.all(hostile), Promise.all(normals(2 * attempt + 1))]);
      for (const r of hostileResults) expect(r.status, r.text.slice(0, 200)).toBe(400);
      for (const r of normalResults) {
        expect(r.res.errors).toBeUndefined();
        expect(r.res.data.search.edges.length).toBeGreaterThan(0);
      }
      pairs.push(`alone ${slowest(alone).toFixed(0)} ms, beside hostile documents ${slowest(normalResults).toFixed(0)} ms`);
      if (slowest(normalResults) < 2 * slowest(alone) + 250) return;
    }
    expect.fail(`normal requests slowed by hostile documents in every attempt: ${pairs.join('; ')}`);
  });
});

describe('audit log', () => {
  it('has exactly one line per answered operation, with personal data in variables masked', async () => {
    const who = await apiKey(stack, 'analyst', 'auditee');
    const q = 'query Find($text: String) { search(text: $text, first: 2) { totalCount edges { node { id } } } }';
    const sent = [
      await stack.gql(q, { text: '数据' }, who), // miss
      await stack.gql(q, { text: '数据' }, who), // hit
      await stack.gql(q, { text: '联系 13812345678 身份证 11010519491231002X' }, who),
      await stack.gql('{ search(first: 500) { totalCount } }', undefined, who), // error
      await stack.gql('{ nope }', undefined, who), // validation error
      await stack.gql(`{ ${Array.from({ length: 40 }, (_, i) => `a${i}: exchanges { id }`).join(' ')} }`, undefined, who), // refused
    ];
    expect(sent[1].headers['x-dataex-cache']).toBe('HIT');
    const admin = headers.admin;
    let entries: any[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await stack.http('/admin/audit?principal=auditee', { headers: admin });
      expect(res.status).toBe(200);
      entries = JSON.parse(res.text).entries;
      if (entries.length >= sent.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(entries).toHaveLength(sent.length);
    expect(entries.map((e) => e.outcome)).toEqual(['ok', 'ok', 'ok', 'error', 'error', 'refused']);
    expect(entries[1].cache).toBe('HIT');
    expect(entries[0].operationName).toBe('Find');
    expect(entries[0].queryHash).toMatch(/^[0-9a-f]{64}$/);
    expect(entries[1].queryHash).toBe(entries[0].queryHash);
    expect(entries[0].datasets).toEqual(sent[0].data.search.edges.map((e: any) => e.node.id));
    expect(entries[1].datasets).toEqual(entries[0].datasets);
    expect(JSON.stringify(entries[2].variables)).toContain('138****5678');
    expect(JSON.stringify(entries[2].variables)).toContain('110105********002X');
    expect(JSON.stringify(entries)).not.toContain('13812345678');
    for (const e of entries) expect(e).toMatchObject({ principal: 'auditee', role: 'analyst' });
    expect((await stack.http('/admin/audit', { headers: headers.analyst })).status).toBe(403);
  });
});

// Every sample row each role can see, swept for personal data (security issue 16, item 4).
//
// The simulators' samples are first made harder, in place, the way real upstreams write them:
// mobile numbers in every written form (+8617802708322, 86-178-0270-8322, 178-0270-8322,
// +86 178 0270 8322, (+86)17802708322, 17802708322) and the address column of person rows under
// every name (地址, 住址, 家庭住址, 居住地址, 户籍地址, address, addr, home_address). Then, for each
// role, every listing `search` shows it is paged through with its whole sample, and every cell
// is checked: masked roles (anonymous, public, analyst) see no checksum-valid ID number, no
// mobile number in any form and no address with house detail after the district in a person
// row; admin sees them all unmasked, which proves the sweep reaches the data.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, startTestStack, type GraphQLResult, type TestStack } from '../helpers/stack.ts';
import type { World } from '../../simulators/world.ts';
import { isValidResidentId } from '../../subgraphs/common/identifiers.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

let stack: TestStack;
let world: World;
const headers: Record<string, Record<string, string>> = {};

const PHONE_FORMS: Array<(n: string) => string> = [
  (n) => `+86${n}`,
  (n) => `86-${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`,
  (n) => `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`,
  (n) => `+86 ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`,
  (n) => `(+86)${n}`,
  (n) => n,
];
const ADDRESS_COLUMNS = ['地址', '住址', '家庭住址', '居住地址', '户籍地址', 'address', 'addr', 'home_address'];
/** Columns that make a sample one about people (the simulators' personal-information kinds). */
const PERSON_COLUMNS = /^(姓名|身份证号|手机号)$/;

/** Rewrites the simulators' samples in place; returns how many cells were rewritten. */
function harden(w: World): { phones: number; addressColumns: number } {
  let phones = 0;
  let addressColumns = 0;
  let k = 0;
  for (const listing of EXCHANGES.flatMap((e) => w.listingsOf(e.id))) {
    const sample = w.detailOf(listing).sample;
    if (!sample) continue;
    const at = sample.columns.indexOf('地址');
    if (at >= 0 && sample.columns.some((c) => PERSON_COLUMNS.test(c))) {
      sample.columns[at] = ADDRESS_COLUMNS[addressColumns++ % ADDRESS_COLUMNS.length];
    }
    for (const row of sample.rows) {
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        if (v === null) continue;
        row[i] = v.replace(/(?<!\d)1[3-9]\d{9}(?!\d)/g, (n) => {
          phones++;
          return PHONE_FORMS[k++ % PHONE_FORMS.length](n);
        });
      }
    }
  }
  return { phones, addressColumns };
}

beforeAll(async () => {
  stack = await startTestStack();
  world = stack.simulators.beijing!.world;
  const hardened = harden(world);
  expect(hardened.phones).toBeGreaterThan(100);
  expect(hardened.addressColumns).toBeGreaterThan(ADDRESS_COLUMNS.length);
  headers.anonymous = { authorization: '' };
  headers.public = await apiKey(stack, 'public', 'sweep-public');
  headers.analyst = await apiKey(stack, 'analyst', 'sweep-analyst');
  headers.admin = await apiKey(stack, 'admin', 'sweep-admin');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

interface Sample {
  columns: string[];
  rows: Array<Array<string | null>>;
  masked: boolean;
}

// Page size and rows: the sample cost (first × rows × 3 fields) stays inside the public budget.
const PAGE = `query Sweep($after: String) {
  search(first: 70, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id sample(rows: 20) { columns rows masked } } }
  }
}`;

/** Every listing the role sees, with its sample (null when the listing has none). */
async function sweep(who: Record<string, string>): Promise<{ total: number; samples: Map<string, Sample | null> }> {
  const samples = new Map<string, Sample | null>();
  let after: string | null = null;
  let total = -1;
  for (;;) {
    const res: GraphQLResult = await stack.gql(PAGE, { after }, who);
    expect(res.errors).toBeUndefined();
    const page: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: { id: string; sample: Sample | null } }> } = res.data.search;
    total = page.totalCount;
    for (const { node } of page.edges) samples.set(node.id, node.sample);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { total, samples };
}

// ---- Detectors, independent of subgraphs/common/masking.ts ----

const ID = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
/** Digit runs with the separators phone numbers are written with (spaces, hyphens, brackets, +). */
const DIGIT_RUN = /[+＋(（]*\d(?:[\s\-–—－()（）+＋]{0,3}\d)*/g;

function unmaskedIds(text: string): string[] {
  return (text.match(ID) ?? []).filter((m) => isValidResidentId(m.toUpperCase()));
}

/** Mobile numbers in any written form: a digit run whose digits are [00]86 + 1[3-9]xxxxxxxxx, or a plain 11-digit one. */
function unmaskedMobiles(text: string): string[] {
  const found = (text.match(DIGIT_RUN) ?? []).filter((run) => /^(?:0086|86)?1[3-9]\d{9}$/.test(run.replace(/\D/g, '')));
  return [...found, ...(text.match(/(?<!\d)1[3-9]\d{9}(?!\d)/g) ?? []).filter((m) => !found.some((f) => f.includes(m)))];
}

/** An address with house, building, unit or room detail after the district. */
const HOUSE_DETAIL = /(?:区|县|旗).*?\d+\s*(?:号|栋|幢|单元|室|楼)/;
const DISTRICT_CUT = /^[^\d*]+(?:区|县|旗|市)\*+$/;

interface Findings {
  datasets: number;
  withSample: number;
  rows: number;
  cells: number;
  ids: string[];
  mobiles: string[];
  personRows: number;
  addresses: string[];
  houseDetail: string[];
}

function inspect(samples: Map<string, Sample | null>): Findings {
  const f: Findings = { datasets: samples.size, withSample: 0, rows: 0, cells: 0, ids: [], mobiles: [], personRows: 0, addresses: [], houseDetail: [] };
  for (const sample of samples.values()) {
    if (!sample) continue;
    f.withSample++;
    // Person rows: the sample is about people (name, ID or mobile columns under any of their names).
    const personal = sample.columns.some((c) => /姓名|身份证|手机/.test(c));
    const addressAt = sample.columns.flatMap((c, i) => (ADDRESS_COLUMNS.includes(c) ? [i] : []));
    for (const row of sample.rows) {
      f.rows++;
      if (personal) f.personRows++;
      for (const [i, cell] of row.entries()) {
        if (cell === null) continue;
        f.cells++;
        f.ids.push(...unmaskedIds(cell));
        f.mobiles.push(...unmaskedMobiles(cell));
        if (!personal) continue;
        if (addressAt.includes(i)) f.addresses.push(cell);
        if (HOUSE_DETAIL.test(cell)) f.houseDetail.push(cell);
      }
    }
  }
  return f;
}

const report: Record<string, Findings> = {};

describe('the sample sweep', () => {
  const expectedTotals: Record<string, number> = {};

  for (const role of ['anonymous', 'public', 'analyst'] as const) {
    it(`${role}: no ID number, mobile number in any form, or house-level address in any sample`, async () => {
      const { total, samples } = await sweep(headers[role]);
      expect(samples.size).toBe(total);
      expectedTotals[role] = total;
      const f = (report[role] = inspect(samples));
      // Non-empty input: listings, samples, person rows and their addresses were all seen.
      expect(f.datasets).toBeGreaterThan(100);
      expect(f.withSample).toBeGreaterThan(100);
      expect(f.rows).toBeGreaterThan(500);
      expect(f.personRows).toBeGreaterThan(0);
      expect(f.addresses.length).toBeGreaterThan(0);

      expect(f.ids).toEqual([]);
      expect(f.mobiles).toEqual([]);
      expect(f.houseDetail).toEqual([]);
      // Addresses are cut to the district, not wiped: "北京市朝阳区****".
      expect(f.addresses.filter((a) => !DISTRICT_CUT.test(a))).toEqual([]);
    }, 120_000);
  }

  it('admin (cleared for personal information) sees the same data unmasked', async () => {
    const { total, samples } = await sweep(headers.admin);
    expect(samples.size).toBe(total);
    const f = (report.admin = inspect(samples));
    expect(f.datasets).toBeGreaterThanOrEqual(expectedTotals.analyst ?? 1);
    expect(f.ids.length).toBeGreaterThan(0);
    expect(f.houseDetail.length).toBeGreaterThan(0);
    // Every written form reaches the caller, so the masked sweeps above did meet them.
    const forms = [/^\+86\d{11}$/, /^86-\d{3}-\d{4}-\d{4}$/, /^\d{3}-\d{4}-\d{4}$/, /^\+86 \d{3} \d{4} \d{4}$/, /^\(\+86\)\d{11}$/, /^1\d{10}$/];
    for (const form of forms) expect(f.mobiles.filter((m) => form.test(m)).length, String(form)).toBeGreaterThan(0);
    // …and every address column name.
    const seen = new Set<string>();
    for (const s of samples.values()) for (const c of s?.columns ?? []) if (ADDRESS_COLUMNS.includes(c)) seen.add(c);
    expect([...seen].sort()).toEqual([...ADDRESS_COLUMNS].sort());
  }, 120_000);

  afterAll(() => {
    const line = (role: string, f: Findings) =>
      `${role}: ${f.datasets} datasets, ${f.withSample} samples, ${f.rows} rows (${f.personRows} person rows), ${f.cells} cells; ` +
      `addresses in person rows ${f.addresses.length}; unmasked: ${f.ids.length} ID numbers, ${f.mobiles.length} mobiles, ${f.houseDetail.length} house-level addresses`;
    console.info(['sample sweep:', ...Object.entries(report).map(([r, f]) => line(r, f))].join('\n  '));
  });
});

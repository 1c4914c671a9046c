// The fuzzing engine and the model's invariants, shared by the per-upstream fuzz tests
// (test/unit/adapters/<upstream>.fuzz.test.ts, which hold only their targets and fixtures).
//
// Every mapper is fed thousands of seeded mutations of the payloads in test/fixtures: fields
// dropped, values of the wrong type or absurd values, arrays emptied or mixed up, text
// truncated, random bytes, the JSON wrapped in the wrong envelope or another upstream's reply
// (any recorded payload of any upstream in subgraphs/exchanges.ts), and JSON-inside-a-string
// layers (Guiyang's gateway) mutated too. Two properties must hold:
//   1. the only exception that escapes is UpstreamError('UPSTREAM_ERROR') naming the upstream;
//   2. whatever comes back (records, details, registrations) satisfies the model's invariants,
//      so nothing invalid reaches the index or a client.
// A failure prints the case number and the mutation, so it can be replayed with FUZZ_CASE=<n>.

import { existsSync, readdirSync } from 'node:fs';
import { LosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../subgraphs/common/errors.ts';
import { looksLikeUscc } from '../../../subgraphs/common/identifiers.ts';
import type { DatasetDetail, DatasetRecord, PricePlan, Registration } from '../../../subgraphs/common/model.ts';
import { exchangeById, UPSTREAMS } from '../../../subgraphs/exchanges.ts';
import { fixture } from './helpers.ts';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

const CASES_PER_TARGET = Number(process.env.FUZZ_CASES ?? 500);
const ONLY_CASE = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);
const SEED = Number(process.env.FUZZ_SEED ?? 20240506);

// ───────────── seeded randomness ─────────────

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ───────────── mutations ─────────────

const lossless = (text: string): unknown => parseLossless(text);
const serialise = (value: unknown): string => stringifyLossless(value as never) ?? 'null';

/** A place in the document: its value, and how to replace or remove it. */
interface Handle {
  value: unknown;
  set(v: unknown): void;
  remove?(): void;
}

/** Every node, including inside JSON encoded in strings (Guiyang's gateway), re-encoded on change. */
function collect(value: unknown, set: (v: unknown) => void, out: Handle[], after: () => void, remove?: () => void, depth = 0): void {
  out.push({
    value,
    set: (v) => {
      set(v);
      after();
    },
    remove:
      remove &&
      (() => {
        remove();
        after();
      }),
  });
  if (value instanceof LosslessNumber || value === null) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      collect(
        v,
        (nv) => (value[i] = nv),
        out,
        after,
        () => value.splice(i, 1),
        depth + 1,
      );
    }
  } else if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj))
      collect(
        obj[k],
        (nv) => (obj[k] = nv),
        out,
        after,
        () => delete obj[k],
        depth + 1,
      );
  } else if (typeof value === 'string' && depth < 8 && /^\s*[[{]/.test(value)) {
    let inner: unknown;
    try {
      inner = lossless(value);
    } catch {
      return;
    }
    const box = { root: inner };
    const commit = () => {
      set(serialise(box.root));
      after();
    };
    collect(inner, (nv) => (box.root = nv), out, commit, undefined, depth + 1);
  }
}

const ODD_STRINGS = [
  '',
  ' ',
  'x',
  '面议',
  '免费',
  '-1',
  '0',
  '1e999',
  'Infinity',
  'NaN',
  '0x1F',
  '１２３',
  '12,34.5',
  '2024-02-30 10:00:00',
  '2024-13-01 25:61:61',
  '99999-01-01 00:00:00',
  '2024年13月01日',
  '2024年02月30日',
  '一般5级',
  '一般0级',
  '核心数据',
  '重要',
  '是',
  '否',
  'PUBLIC',
  '按次',
  '已上架',
  '数据集',
  '金融业',
  '农、林、牧、渔业',
  '491',
  '511',
  '999',
  '91350100M0001TGQXM',
  '91310110666007217T',
  'not-a-uscc',
  '1.2万元/年',
  '0.0028元/次',
  '5元/千条',
  '99999999999999999999元/次',
  '\u0000',
  '\ud800',
  '<script>alert(1)</script>',
  '{"code":0}',
  '"{\\"code\\":\\"1\\"}"',
  '[]',
];

function oddValue(r: Rng): unknown {
  switch (r.int(6)) {
    case 0:
      return r.pick([null, true, false, 0, -1, 1, 2, 20, 491, 510, 1.5, -0.5, 2 ** 53 + 2, 1e308, -1e308, 8.64e15, 1e16, 1714969800000]);
    case 1:
      return r.pick([new LosslessNumber('12345678901234567890123'), new LosslessNumber('1.5e3'), new LosslessNumber('-7'), new LosslessNumber('1e400')]);
    case 2:
      return r.pick(ODD_STRINGS);
    case 3:
      return r.pick([[], {}, [null], [1, 'a'], { a: 1 }, [[]], [{}]]);
    case 4:
      return 'x'.repeat(r.pick([1, 200, 5000]));
    default:
      return Array.from({ length: 1 + r.int(12) }, () => String.fromCharCode(r.pick([0x20 + r.int(0x5f), 0x4e00 + r.int(0x5000), r.int(0x20)]))).join('');
  }
}

/** A change that keeps the type but bends the value. */
function perturb(v: unknown, r: Rng): unknown {
  if (v instanceof LosslessNumber || typeof v === 'number') {
    const digits = v.toString();
    const n = Number(digits);
    const longer = /^-?[1-9]\d*$/.test(digits) ? new LosslessNumber(`${digits}9`) : new LosslessNumber('123456789012345678901');
    return r.pick(Number.isFinite(n) ? [n + 1, n - 1, -n, n * 1000, n / 3, n + 0.5, 0, longer] : [0, longer]);
  }
  if (typeof v === 'string') {
    return r.pick([v.slice(0, r.int(v.length + 1)), ` ${v} `, v + v, v.toUpperCase(), v.replace(/\d/g, '9'), v.replace(/\d/, ''), `${v}x`]);
  }
  if (Array.isArray(v)) return r.pick([[], [...v, ...v], [...v].reverse(), v.slice(0, 1), [v[0], null]]);
  if (v && typeof v === 'object') return r.pick([{}, { ...v, extra: 1 }]);
  return oddValue(r);
}

function mutateTree(root: unknown, r: Rng, log: string[]): unknown {
  const box = { root };
  const edits = 1 + r.int(3);
  for (let e = 0; e < edits; e++) {
    const handles: Handle[] = [];
    collect(
      box.root,
      (v) => (box.root = v),
      handles,
      () => undefined,
    );
    // Deeper nodes are where listings and fields live: favour them.
    const h = handles[Math.min(handles.length - 1, Math.floor(handles.length * Math.sqrt(r.next())))];
    const other = r.pick(handles).value;
    const op = r.int(10);
    if (op < 3 && h.remove) {
      log.push('drop');
      h.remove();
    } else if (op < 6) {
      const v = oddValue(r);
      log.push(`set ${clipText(serialise(v), 30)}`);
      h.set(v);
    } else if (op < 9) {
      log.push('perturb');
      h.set(perturb(h.value, r));
    } else {
      log.push('swap');
      h.set(structuredCloneJson(other));
    }
  }
  return box.root;
}

function structuredCloneJson(v: unknown): unknown {
  try {
    return lossless(serialise(v));
  } catch {
    return null;
  }
}

const WRAPPERS: Array<(v: unknown) => unknown> = [
  (v) => [v],
  (v) => ({ data: v }),
  (v) => ({ code: 0, msg: 'ok', data: v }),
  (v) => ({ code: 200, message: 'success', data: v }),
  (v) => ({ code: 200, msg: 'ok', data: serialise(v) }),
  (v) => ({ success: 1, data: [v], total: 1, page: 1 }),
  (v) => ({ code: 0, data: { records: [v], total: 1, size: 1, current: 1, pages: 1 } }),
  (v) => ({ code: 200, data: { list: [v], total: 1, totalPage: 1, pageNum: 1 } }),
  (v) => (v && typeof v === 'object' && 'data' in v ? (v as { data: unknown }).data : v),
  () => ({ status: 'ok', result: { items: [] }, traceId: 'sim-garbage' }),
];

const CONSTANT_BODIES = ['', 'null', '[]', '{}', '"x"', '0', 'true', '<html>502 Bad Gateway</html>', '{"code":0,"data":null}', '{"code":"0"}', ' '.repeat(3), '\ufeff{}'];

/**
 * Other payloads fed to a mapper as a whole ("another exchange's reply"): every recorded fixture
 * of every upstream in the list (test/fixtures/<upstream>/recorded-*.json), in a fixed order.
 */
export const ALL_FIXTURES: readonly string[] = UPSTREAMS.flatMap(({ name }) => {
  const dir = new URL(`${name}/`, FIXTURES);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^recorded-.*\.json$/.test(f))
    .sort()
    .map((f) => `${name}/${f}`);
});

function mutate(text: string, r: Rng): { text: string; what: string } {
  const kind = r.int(100);
  if (kind < 62) {
    const log: string[] = [];
    return { text: serialise(mutateTree(lossless(text), r, log)), what: `tree: ${log.join(', ')}` };
  }
  if (kind < 72) {
    const at = r.int(text.length);
    return { text: text.slice(0, at), what: `truncate at ${at}` };
  }
  if (kind < 78) {
    const bytes = Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256))).toString('utf8');
    const at = r.int(text.length + 1);
    return r.chance(0.5) ? { text: bytes, what: 'random bytes' } : { text: text.slice(0, at) + bytes + text.slice(at), what: `random bytes at ${at}` };
  }
  if (kind < 84) {
    const at = r.int(text.length);
    return { text: text.slice(0, at) + r.pick(['{', '}', '[', ']', '"', ',', ':', '0', 'a', '\\', ' ', '-', '.']) + text.slice(at + 1), what: `flip char ${at}` };
  }
  if (kind < 92) {
    const i = r.int(WRAPPERS.length);
    return { text: serialise(WRAPPERS[i](lossless(text))), what: `wrap #${i}` };
  }
  if (kind < 96) {
    const other = r.pick(ALL_FIXTURES);
    return { text: fixture(other), what: `foreign payload ${other}` };
  }
  const body = r.pick(CONSTANT_BODIES);
  return { text: body, what: `constant ${JSON.stringify(body)}` };
}

function clipText(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

// ───────────── the model's invariants ─────────────

const ISO_CN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\+08:00$/;
const PRODUCT_TYPES = ['DATASET', 'API_SERVICE', 'REPORT', 'MODEL', 'TOOL'];
const STATUSES = ['REGISTERED', 'PUBLICIZING', 'LISTED', 'DELISTED'];
const LEVELS = ['GENERAL', 'IMPORTANT', 'CORE'];
const OPENNESS = ['UNCONDITIONAL', 'CONDITIONAL', 'NOT_OPEN'];
const MODELS = ['PER_CALL', 'PER_RECORD', 'MONTHLY', 'YEARLY', 'ONE_TIME', 'NEGOTIABLE', 'FREE'];
const DELIVERY = ['API', 'FILE', 'SANDBOX', 'PRIVACY_COMPUTING', 'OFFLINE'];
const FREQUENCIES = ['REALTIME', 'DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'YEARLY', 'IRREGULAR', 'ONCE'];
function isoOk(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = ISO_CN.exec(v);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
}

export const nonBlank = (v: unknown) => typeof v === 'string' && v.trim() !== '' && v === v.trim();
const nullOrNonBlank = (v: unknown) => v === null || nonBlank(v);
const fen = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const strings = (v: unknown) => Array.isArray(v) && v.every(nonBlank) && new Set(v).size === v.length;

function planViolations(p: PricePlan, at: string): string[] {
  const out: string[] = [];
  if (!MODELS.includes(p.model)) out.push(`${at}.model ${p.model}`);
  if (!(p.amountFen === null || fen(p.amountFen))) out.push(`${at}.amountFen ${p.amountFen} is not integer fen ≥ 0`);
  if (p.negotiable !== (p.amountFen === null)) out.push(`${at}: negotiable ${p.negotiable} with amountFen ${p.amountFen}`);
  if ((p.model === 'NEGOTIABLE') !== p.negotiable) out.push(`${at}: model ${p.model} with negotiable ${p.negotiable}`);
  if (p.model === 'FREE' && p.amountFen !== 0) out.push(`${at}: FREE with amountFen ${p.amountFen}`);
  if (p.currency !== 'CNY') out.push(`${at}.currency ${p.currency}`);
  if (!nullOrNonBlank(p.unit)) out.push(`${at}.unit ${JSON.stringify(p.unit)}`);
  if (!(p.text === null || typeof p.text === 'string')) out.push(`${at}.text`);
  return out;
}

/** An exchange whose records are checked: its id in the list, and the shape of its native keys. */
export interface FuzzedExchange {
  id: string;
  /** Whether a native key has the exchange's shape (its adapter's or mapping's own test where it exports one). */
  nativeId(key: string): boolean;
}

/** `id` must be an exchange of subgraphs/exchanges.ts: the records' `exchange` and id prefix are checked against it. */
export function fuzzedExchange(id: string, nativeId: (key: string) => boolean): FuzzedExchange {
  if (!exchangeById(id)) throw new Error(`${id} is not in EXCHANGES (subgraphs/exchanges.ts)`);
  return { id, nativeId };
}

export function recordViolations(r: DatasetRecord, x: FuzzedExchange): string[] {
  const exchange = x.id;
  const out: string[] = [];
  if (r.exchange !== exchange) out.push(`exchange ${r.exchange}`);
  if (typeof r.nativeId !== 'string' || !x.nativeId(r.nativeId)) out.push(`nativeId ${JSON.stringify(r.nativeId)}`);
  if (r.id !== `${exchange}:${r.nativeId}`) out.push(`id ${JSON.stringify(r.id)}`);
  if (!nonBlank(r.title)) out.push(`title ${JSON.stringify(r.title)}`);
  if (!nullOrNonBlank(r.titleEn)) out.push(`titleEn ${JSON.stringify(r.titleEn)}`);
  if (!nullOrNonBlank(r.description)) out.push(`description`);
  if (!PRODUCT_TYPES.includes(r.productType)) out.push(`productType ${r.productType}`);
  if (!STATUSES.includes(r.status)) out.push(`status ${r.status}`);
  if (typeof r.providerCode !== 'string' || !looksLikeUscc(r.providerCode)) out.push(`providerCode ${JSON.stringify(r.providerCode)} is not USCC-shaped`);
  if (!nonBlank(r.providerName)) out.push(`providerName ${JSON.stringify(r.providerName)}`);
  if (!Array.isArray(r.sectors) || !r.sectors.every((s) => /^[A-T]$/.test(s)) || new Set(r.sectors).size !== r.sectors.length) out.push(`sectors ${JSON.stringify(r.sectors)}`);
  if (!strings(r.scenarios)) out.push(`scenarios ${JSON.stringify(r.scenarios)}`);
  if (!strings(r.keywords)) out.push(`keywords ${JSON.stringify(r.keywords)}`);
  const c = r.classification;
  if (!LEVELS.includes(c.level)) out.push(`level ${c.level}`);
  if (!(c.grade === null || (Number.isInteger(c.grade) && c.grade >= 1 && c.grade <= 4))) out.push(`grade ${c.grade}`);
  if (c.level !== 'GENERAL' && c.grade !== null) out.push(`grade ${c.grade} on ${c.level} data`);
  if (typeof c.containsPersonalInfo !== 'boolean' || typeof c.sensitivePersonalInfo !== 'boolean') out.push('personal-info flags');
  if (c.sensitivePersonalInfo && !c.containsPersonalInfo) out.push('sensitive PI without PI');
  if (!OPENNESS.includes(c.openness)) out.push(`openness ${c.openness}`);
  if (r.headlinePrice !== null) out.push(...planViolations(r.headlinePrice, 'headlinePrice'));
  if (!isoOk(r.updatedAt)) out.push(`updatedAt ${JSON.stringify(r.updatedAt)}`);
  return out;
}

export function detailViolations(d: DatasetDetail, expectedId: string): string[] {
  const out: string[] = [];
  if (d.id !== expectedId) out.push(`id ${d.id}, expected ${expectedId}`);
  for (const [i, p] of d.pricing.entries()) out.push(...planViolations(p, `pricing[${i}]`));
  d.delivery.forEach((x, i) => {
    if (!DELIVERY.includes(x.method)) out.push(`delivery[${i}].method ${x.method}`);
    if (!nullOrNonBlank(x.format) || !nullOrNonBlank(x.description)) out.push(`delivery[${i}] format/description`);
  });
  d.certificates.forEach((c, i) => {
    if (!nonBlank(c.number)) out.push(`certificates[${i}].number ${JSON.stringify(c.number)}`);
    if (typeof c.issuer !== 'string' || typeof c.kind !== 'string') out.push(`certificates[${i}] issuer/kind`);
    if (!isoOk(c.issuedAt)) out.push(`certificates[${i}].issuedAt ${JSON.stringify(c.issuedAt)}`);
  });
  if (!(d.updateFrequency === null || FREQUENCIES.includes(d.updateFrequency))) out.push(`updateFrequency ${d.updateFrequency}`);
  if (d.sample !== null) {
    if (!Array.isArray(d.sample.columns) || !d.sample.columns.every((c) => typeof c === 'string')) out.push('sample.columns');
    if (!Array.isArray(d.sample.rows) || !d.sample.rows.every((row) => Array.isArray(row) && row.every((v) => v === null || typeof v === 'string'))) out.push('sample.rows');
  }
  return out;
}

export function registrationViolations(r: Registration): string[] {
  const out: string[] = [];
  if (!nonBlank(r.creditCode) || r.creditCode !== r.creditCode.toUpperCase()) out.push(`creditCode ${JSON.stringify(r.creditCode)}`);
  if (!nonBlank(r.name)) out.push('name');
  if (!nonBlank(r.status)) out.push('status');
  if (!(r.registeredCapitalFen === null || fen(r.registeredCapitalFen))) out.push(`registeredCapitalFen ${r.registeredCapitalFen}`);
  if (!(r.establishedOn === null || (/^\d{4}-\d{2}-\d{2}$/.test(r.establishedOn) && isoOk(`${r.establishedOn}T00:00:00+08:00`)))) out.push(`establishedOn ${r.establishedOn}`);
  if (!(r.regionCode === null || /^\d{6}$/.test(r.regionCode))) out.push(`regionCode ${r.regionCode}`);
  for (const k of ['legalRepresentative', 'address', 'businessScope'] as const) if (!nullOrNonBlank(r[k])) out.push(k);
  return out;
}

// ───────────── targets ─────────────

export interface Outcome {
  violations: string[];
  /** Items that came back valid (records, details, registrations, tokens). */
  produced: number;
  /** Items skipped or failed individually (the page itself survived). */
  rejected: number;
}

/** One mapper fed mutations of its fixtures (paths under test/fixtures/, all of the upstream's own folder). */
export interface Target {
  name: string;
  fixtures: string[];
  /** `text` is the mutated payload, `fixtureText` the fixture it came from. */
  run(text: string, fixtureText: string): Outcome | Promise<Outcome>;
}

function skippedViolations(skipped: Array<{ nativeId: string | null; reason: string }>): string[] {
  return skipped.flatMap((s, i) => (typeof s.reason === 'string' && s.reason !== '' && (s.nativeId === null || typeof s.nativeId === 'string') ? [] : [`skipped[${i}] ${JSON.stringify(s)}`]));
}

/** A list page: every record valid for the exchange, every skip explained; `extra` adds the target's own findings. */
export function pageOutcome(x: FuzzedExchange, page: { records: DatasetRecord[]; skipped: Array<{ nativeId: string | null; reason: string }> }, extra: string[] = []): Outcome {
  const violations = [...extra, ...skippedViolations(page.skipped)];
  for (const [i, r] of page.records.entries()) violations.push(...recordViolations(r, x).map((v) => `records[${i}] ${v}`));
  // A repeated id on one page is not checked here: the adapters' harvest de-duplicates across pages.
  return { violations, produced: page.records.length, rejected: page.skipped.length };
}

/** Paging fields must be safe non-negative integers. */
export function pagingViolations(p: Record<string, number>): string[] {
  return Object.entries(p).flatMap(([k, v]) => (Number.isSafeInteger(v) && v >= 0 ? [] : [`${k} ${v}`]));
}

/** One detail (null: not found). */
export function detailOutcome(d: DatasetDetail | null, expectedId: string): Outcome {
  return d === null ? { violations: [], produced: 0, rejected: 1 } : { violations: detailViolations(d, expectedId), produced: 1, rejected: 0 };
}

// ───────────── the fuzz loop ─────────────

interface Stats {
  cases: number;
  ok: number;
  upstreamErrors: number;
  produced: number;
  rejected: number;
}

async function fuzz(upstream: string, target: Target): Promise<{ stats: Stats; problems: string[] }> {
  const texts = target.fixtures.map((f) => ({ name: f, text: fixture(f) }));
  const stats: Stats = { cases: 0, ok: 0, upstreamErrors: 0, produced: 0, rejected: 0 };
  const problems: string[] = [];
  for (let n = 0; n < CASES_PER_TARGET; n++) {
    if (ONLY_CASE !== undefined && n !== ONLY_CASE) continue;
    const r = new Rng(SEED ^ (n * 2654435761) ^ hash(target.name));
    const source = r.pick(texts);
    // Usually one mutation, sometimes a mutation of a mutation.
    let m = mutate(source.text, r);
    if (r.chance(0.15)) {
      try {
        const again = mutate(m.text, r);
        m = { text: again.text, what: `${m.what} then ${again.what}` };
      } catch {
        // the first mutation is no longer JSON: keep it
      }
    }
    stats.cases++;
    const where = `${target.name} case ${n} (${source.name}; ${m.what})`;
    try {
      const outcome = await target.run(m.text, source.text);
      stats.ok++;
      stats.produced += outcome.produced;
      stats.rejected += outcome.rejected;
      for (const v of outcome.violations) problems.push(`${where}: ${clipText(v, 160)}\n    input: ${clipText(m.text, 300)}`);
    } catch (e) {
      if (e instanceof UpstreamError && e.code === 'UPSTREAM_ERROR' && e.upstream === upstream && e.message.length > 0) {
        stats.upstreamErrors++;
      } else {
        const desc = e instanceof Error ? `${e.name}${e instanceof UpstreamError ? ` ${e.code}/${e.upstream}` : ''}: ${e.message}` : String(e);
        problems.push(`${where}: escaped ${desc}\n    input: ${clipText(m.text, 300)}`);
      }
    }
  }
  return { stats, problems };
}

function hash(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** What an upstream's fuzz test file declares. */
export interface FuzzSuite {
  /** The upstream (an entry of UPSTREAMS): the one UPSTREAM_ERROR may name, and the fixture folder. */
  upstream: string;
  targets: Target[];
  /** The recorded and hand-made error replies: mapping them must throw UpstreamError, and only them. */
  throwing: string[];
  /** Replies that map to "not found" rather than to a listing. */
  notFound: string[];
}

/** Declares the upstream's fuzz tests: its fixtures unmutated, then one test per target. */
export function describeFuzz(suite: FuzzSuite): void {
  const { upstream, targets } = suite;
  describe(`fuzzing the ${upstream} mappings with mutated recorded payloads`, () => {
    it('validators accept the unmutated fixtures; exactly the error fixtures throw', async () => {
      expect(
        UPSTREAMS.map((u) => u.name),
        'upstream in subgraphs/exchanges.ts',
      ).toContain(upstream);
      const own = [...new Set(targets.flatMap((t) => t.fixtures))];
      // Each upstream's file fuzzes its own payloads; the error sets name fixtures a target uses.
      expect(own.filter((f) => !f.startsWith(`${upstream}/`))).toEqual([]);
      expect([...suite.throwing, ...suite.notFound].filter((f) => !own.includes(f))).toEqual([]);
      const threw: string[] = [];
      const produced: Record<string, number> = {};
      for (const t of targets) {
        for (const f of t.fixtures) {
          let outcome: Outcome;
          try {
            outcome = await t.run(fixture(f), fixture(f));
          } catch (e) {
            // Error fixtures (401, error envelopes) are meant to throw, as UPSTREAM_ERROR naming the upstream.
            expect(e, `${t.name} ${f}`).toBeInstanceOf(UpstreamError);
            expect((e as UpstreamError).upstream, `${t.name} ${f}`).toBe(upstream);
            threw.push(f);
            continue;
          }
          expect(outcome.violations, `${t.name} ${f}`).toEqual([]);
          produced[f] = outcome.produced;
        }
      }
      // A good fixture maps to something; only the recorded "not found" replies map to nothing.
      expect(
        Object.keys(produced)
          .filter((f) => produced[f] === 0)
          .sort(),
      ).toEqual([...suite.notFound].sort());
      // Any other fixture throwing is a regression, not an error fixture.
      expect(threw.sort()).toEqual([...suite.throwing].sort());
    });

    for (const target of targets) {
      it(`${target.name}: only UPSTREAM_ERROR escapes, and nothing invalid comes back`, async () => {
        const { stats, problems } = await fuzz(upstream, target);
        expect(problems.slice(0, 10), `${problems.length} problem(s) in ${stats.cases} cases`).toEqual([]);
        if (ONLY_CASE === undefined) {
          // The mutations reach both outcomes: most break the payload, some still map.
          expect(stats.upstreamErrors, JSON.stringify(stats)).toBeGreaterThan(stats.cases * 0.1);
          expect(stats.ok, JSON.stringify(stats)).toBeGreaterThan(stats.cases * 0.05);
          expect(stats.produced, JSON.stringify(stats)).toBeGreaterThan(0);
        }
      });
    }
  });
}

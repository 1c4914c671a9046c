// Taiyuan (CKAN style) wire → unified model. Pure: text in, model out.
// The wire contract (domain.md "Two more exchanges" and the decisions of the issue-23 plan §3.2):
// package_search `{help, success: true, result: {count, results: [package]}}`; package_show
// `{help, success: true, result: package}` with `resources[]`; errors are HTTP 4xx with
// `{success: false, error: {__type: "Not Found Error" | "Authorization Error" | "Validation Error", message}}`.
// A package carries its exchange fields as CKAN `extras: [{key, value}]` (values are strings):
// `tyshxydm` USCC, `cplx` product type, `cpzt` status, `sjdj`/`sjfj` level and grade, `kfsx`
// openness, `sfhgrxx`/`sfhmggrxx` personal information, `yycj` scenarios (、-joined), `jg` price
// text (plans joined by ；), `gxpl` update frequency, `zs` certificates as a JSON string.
// Envelope problems throw UpstreamError(ErrorCode.UPSTREAM_ERROR); a bad listing becomes `skipped`.

import { z } from 'zod';
import { ErrorCode } from '../../lib/error-codes.ts';
import type { HarvestPage } from '../common/adapter.ts';
import { UpstreamError } from '../common/errors.ts';
import { looksLikeUscc } from '../common/identifiers.ts';
import type { Certificate, DataSampleRows, DatasetDetail, DatasetRecord, Delivery, DeliveryMethod, ListingStatus, PricePlan, ProductType } from '../common/model.ts';
import {
  classificationOf,
  blankToNull,
  chinaLocalToIso,
  clip,
  describeZodError,
  epochMsToIso,
  gradeFor,
  mapItems,
  parseFrequency,
  parseJson,
  parseLevel,
  parseOpenness,
  parsePriceText,
  parseYesNo,
  prop,
  reject,
  sectorCodeFromName,
  uniqueStrings,
} from '../common/normalize.ts';
import { sectorByCode } from '../common/sectors.ts';

export const EXCHANGE = 'taiyuan';

/** A CKAN package name: lowercase slug, 2..100 characters (`sx-traffic-penalty-2023`). */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9_-]{1,99}$/;

const PRODUCT_TYPES: Record<string, ProductType> = { 数据集: 'DATASET', 数据接口: 'API_SERVICE', 数据报告: 'REPORT', 算法模型: 'MODEL', 数据工具: 'TOOL' };
// Beijing's words (beijing/mapping.ts).
const STATUSES: Record<string, ListingStatus> = { 已登记: 'REGISTERED', 公示中: 'PUBLICIZING', 已上架: 'LISTED', 已下架: 'DELISTED' };
const DELIVERY_TYPES: Record<string, DeliveryMethod> = { api: 'API', file: 'FILE', sandbox: 'SANDBOX', privacy_computing: 'PRIVACY_COMPUTING', offline: 'OFFLINE' };
const SAMPLE_TYPE = 'sample';
/** A group that names a GB/T 4754 section: `gbt4754-<letter>` (CKAN group names are lowercase). */
const SECTOR_GROUP = /^gbt4754-(.*)$/;

// ───────────── time ─────────────

const UTC_NAIVE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?$/;

/**
 * CKAN's `metadata_modified`: ISO-8601 without a zone, in UTC ("2024-05-06T17:02:03.456789")
 * → China time ISO with +08:00 ("2024-05-07T01:02:03+08:00"), the fraction dropped; crosses
 * midnight, month and year ends. Null when not that shape or not a real date and time.
 */
export function utcNaiveToChinaIso(text: string): string | null {
  const m = UTC_NAIVE.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-30 over to March and maps years 0..99 to 19xx: compare field by field.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) {
    return null;
  }
  return epochMsToIso(ms);
}

// ───────────── envelopes ─────────────

const successSchema = z.object({ success: z.literal(true), result: z.unknown() });
const failureSchema = z.object({ success: z.literal(false), error: z.object({ __type: z.string().nullish(), message: z.string().nullish() }) });

const searchResultSchema = z.object({ count: z.number().int().nonnegative(), results: z.array(z.unknown()) });

const extraValue = z.union([z.string(), z.number(), z.boolean()]).nullish();
const extrasSchema = z.array(z.object({ key: z.string(), value: extraValue }));

const packageSchema = z.object({
  name: z.string().regex(PACKAGE_NAME, 'expected a lowercase package name'),
  id: z.string().nullish(),
  title: z.string().nullish(),
  title_translated: z.object({ zh: z.string().nullish(), en: z.string().nullish() }).nullish(),
  notes: z.string().nullish(),
  organization: z.object({ title: z.string().trim().min(1), name: z.string().nullish() }).nullable(),
  tags: z.array(z.object({ name: z.string().nullish(), display_name: z.string().nullish() })).nullish(),
  groups: z.array(z.object({ name: z.string(), title: z.string().nullish() })).nullish(),
  extras: extrasSchema.nullish(),
  metadata_modified: z.string(),
});

const resourceSchema = z.object({
  resource_type: z.string().nullish(),
  format: z.string().nullish(),
  url: z.string().nullish(),
  size: z.number().nullish(),
  description: z.string().nullish(),
  sample: z
    .object({
      fields: z.array(z.object({ id: z.string() })),
      records: z.array(z.record(z.string(), z.unknown())),
    })
    .nullish(),
});

const detailSchema = z.object({
  name: z.string(),
  extras: extrasSchema.nullish(),
  resources: z.array(resourceSchema).nullish(),
});

const certificatesSchema = z.array(z.object({ bh: z.string(), jg: z.string(), rq: z.string(), lx: z.string() }));

/** What a CKAN failure reply means to the caller. */
export interface CkanFailure {
  /** HTTP 404 with `__type: "Not Found Error"`: the package does not exist. */
  notFound: boolean;
  /** The failure as UPSTREAM_ERROR naming taiyuan (what to throw unless `notFound` is acceptable). */
  error: UpstreamError;
}

/**
 * A reply that is not HTTP 200 (5xx and 429 already threw in the client) → what it means. Only a
 * CKAN `Not Found Error` envelope is "not found": a bare 404 (a wrong base URL, a proxy) is an
 * error, so a misconfiguration cannot pass as every listing having vanished.
 */
export function ckanFailure(status: number, text: string, what: string): CkanFailure {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = failureSchema.safeParse(body);
  const type = parsed.success ? (parsed.data.error.__type ?? '') : '';
  const message = parsed.success ? (parsed.data.error.message ?? '') : '';
  const notFound = status === 404 && type === 'Not Found Error';
  const detail = parsed.success ? `${clip(type, 60)}${message ? `: ${clip(message)}` : ''}` : 'not a CKAN error reply';
  let reason = `HTTP ${status} (${detail})`;
  // Never the token itself: it travels in a header and must not reach logs.
  if (status === 401 || status === 403) reason = `API token rejected (HTTP ${status}, ${detail}); check DATAEX_TAIYUAN_API_TOKEN`;
  return { notFound, error: new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reason}`) };
}

/** Unwraps `{success: true, result}` of an HTTP 200 reply; `success: false` is an upstream error. */
function unwrap(text: string, what: string): unknown {
  const body = parseJson(text, EXCHANGE, what);
  const failed = failureSchema.safeParse(body);
  if (failed.success) {
    const { __type, message } = failed.data.error;
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: upstream error (${clip(__type ?? 'no type', 60)}${message ? `: ${clip(message)}` : ''})`);
  }
  const ok = successSchema.safeParse(body);
  if (!ok.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected envelope (${describeZodError(ok.error)})`);
  return ok.data.result;
}

// ───────────── list ─────────────

export interface TaiyuanSearchResult extends HarvestPage {
  /** Packages matching the query in all (`result.count`). */
  count: number;
  /** Packages on this page, mapped or skipped: what `start` advances by. */
  returned: number;
}

/** A search page (GET /api/3/action/package_search, HTTP 200) → records + skipped + paging. */
export function mapSearchResponse(text: string): TaiyuanSearchResult {
  const what = 'taiyuan list';
  const page = searchResultSchema.safeParse(unwrap(text, what));
  if (!page.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected result (${describeZodError(page.error)})`);
  const { records, skipped } = mapItems(page.data.results, nativeIdOf, mapPackage);
  return { records, skipped, count: page.data.count, returned: page.data.results.length };
}

function nativeIdOf(raw: unknown): string | null {
  const name = prop(raw, 'name');
  if (typeof name === 'string' && name !== '') return name;
  // The UUID only as a last resort, so a skipped package can still be told apart.
  const id = prop(raw, 'id');
  return typeof id === 'string' && id !== '' ? id : null;
}

type Extras = ReadonlyMap<string, string>;

/** `extras: [{key, value}]` → a map; null values dropped, a key given twice rejects the item. */
function extrasOf(list: z.infer<typeof extrasSchema> | null | undefined): Extras {
  const out = new Map<string, string>();
  for (const { key, value } of list ?? []) {
    if (value === null || value === undefined) continue;
    if (out.has(key)) reject(`extras: key "${clip(key, 40)}" given twice`);
    out.set(key, String(value));
  }
  return out;
}

function required(extras: Extras, key: string): string {
  const v = extras.get(key)?.trim();
  return v ? v : reject(`extras.${key}: missing`);
}

/** Sections from `groups[]`: `gbt4754-<letter>`, else a group whose title is a section name; other (thematic) groups are ignored. */
function sectorsOf(groups: ReadonlyArray<{ name: string; title?: string | null }>): string[] {
  const codes: string[] = [];
  for (const g of groups) {
    const m = SECTOR_GROUP.exec(g.name.trim());
    if (m) {
      const code = /^[a-z]$/i.test(m[1]) ? sectorByCode(m[1].toUpperCase())?.code : undefined;
      codes.push(code ?? reject(`groups: "${clip(g.name, 40)}" is not a GB/T 4754 section`));
      continue;
    }
    const byTitle = g.title ? sectorCodeFromName(g.title) : null;
    if (byTitle) codes.push(byTitle);
  }
  const unique = uniqueStrings(codes);
  return unique.length > 0 ? unique : reject('groups: no GB/T 4754 section');
}

/** Scenarios: `、`-joined (commas and semicolons tolerated). */
export function splitScenarios(text: string | undefined): string[] {
  return text ? uniqueStrings(text.split(/[、,，;；]/)) : [];
}

/** Price plans of `extras.jg`: several joined by "；" (or ";"); the first is the headline. */
export function priceParts(text: string | undefined): string[] {
  return text ? uniqueStrings(text.split(/[；;]/)) : [];
}

/** A sub-grade "1".."4" (`extras.sjfj`); null when absent. */
function gradeText(text: string | undefined): number | null {
  const t = text?.trim();
  if (!t) return null;
  return /^\d{1,2}$/.test(t) ? Number(t) : reject(`extras.sjfj: "${clip(t, 20)}" is not 1..4`);
}

/** One package → DatasetRecord; throws ItemRejected with the reason when it cannot be mapped. */
export function mapPackage(raw: unknown): DatasetRecord {
  // Its own reason: a listed package without a publisher cannot be attributed to a provider.
  if (prop(raw, 'organization') === null) reject('organization: missing (null)');
  const parsed = packageSchema.safeParse(raw);
  if (!parsed.success) reject(describeZodError(parsed.error));
  const it = parsed.data;
  const organization = it.organization ?? reject('organization: missing (null)');
  const extras = extrasOf(it.extras);

  const title = blankToNull(it.title) ?? blankToNull(it.title_translated?.zh) ?? reject('title: blank');
  const cplx = required(extras, 'cplx');
  const productType = PRODUCT_TYPES[cplx] ?? reject(`extras.cplx: unknown value "${clip(cplx, 40)}"`);
  const cpzt = required(extras, 'cpzt');
  const status = STATUSES[cpzt] ?? reject(`extras.cpzt: unknown value "${clip(cpzt, 40)}"`);
  // The provider's key everywhere (index, Provider entity, registry look-ups): it must at least
  // have the USCC shape. A failing check digit is fine (legacy pilot codes are legal).
  const providerCode = required(extras, 'tyshxydm').toUpperCase();
  if (!looksLikeUscc(providerCode)) reject(`extras.tyshxydm: "${clip(providerCode, 40)}" is not a Unified Social Credit Code`);
  const sectors = sectorsOf(it.groups ?? []);
  const sjdj = required(extras, 'sjdj');
  const level = parseLevel(sjdj) ?? reject(`extras.sjdj: unknown value "${clip(sjdj, 40)}"`);
  const grade = gradeFor(level.level, gradeText(extras.get('sjfj')) ?? level.grade);
  if (grade === undefined) reject(`extras.sjfj: "${clip(extras.get('sjfj') ?? '', 20)}" is not 1..4`);
  const kfsx = required(extras, 'kfsx');
  const openness = parseOpenness(kfsx) ?? reject(`extras.kfsx: unknown value "${clip(kfsx, 40)}"`);
  const pi = parseYesNo(required(extras, 'sfhgrxx')) ?? reject(`extras.sfhgrxx: "${clip(extras.get('sfhgrxx') ?? '', 20)}" is not 是/否`);
  const spi = parseYesNo(required(extras, 'sfhmggrxx')) ?? reject(`extras.sfhmggrxx: "${clip(extras.get('sfhmggrxx') ?? '', 20)}" is not 是/否`);
  const updatedAt = utcNaiveToChinaIso(it.metadata_modified) ?? reject(`metadata_modified: "${clip(it.metadata_modified, 40)}" is not a zone-less UTC ISO-8601 time`);
  const [headline] = priceParts(extras.get('jg'));

  return {
    id: `${EXCHANGE}:${it.name}`,
    nativeId: it.name,
    exchange: EXCHANGE,
    title,
    titleEn: blankToNull(it.title_translated?.en),
    // Markdown kept as the upstream wrote it; rendering is the client's business.
    description: blankToNull(it.notes),
    productType,
    status,
    providerCode,
    providerName: organization.title.trim(),
    sectors,
    scenarios: splitScenarios(extras.get('yycj')),
    keywords: uniqueStrings((it.tags ?? []).map((t) => t.display_name ?? t.name ?? '')),
    classification: classificationOf(level.level, grade, pi, spi, openness),
    // Free text: what cannot be read safely stays out of price sorting and filters.
    headlinePrice: headline === undefined ? null : parsePriceText(headline),
    updatedAt,
  };
}

// ───────────── detail ─────────────

/**
 * A package_show reply (GET /api/3/action/package_show?id=<name>, HTTP 200) → DatasetDetail.
 * Envelope problems, a package of another name and invalid fields throw UpstreamError(ErrorCode.UPSTREAM_ERROR).
 */
export function mapShowResponse(text: string, name: string): DatasetDetail {
  const what = `taiyuan detail ${name}`;
  const bad = (reason: string): never => {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reason}`);
  };
  const parsed = detailSchema.safeParse(unwrap(text, what));
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: invalid package (${describeZodError(parsed.error)})`);
  const d = parsed.data;
  if (d.name !== name) bad(`reply is for another package (${clip(d.name, 40)})`);
  const extras = new Map<string, string>();
  for (const { key, value } of d.extras ?? []) if (value !== null && value !== undefined && !extras.has(key)) extras.set(key, String(value));

  // Free text: plans that cannot be read safely are left out rather than guessed.
  const pricing: PricePlan[] = priceParts(extras.get('jg'))
    .map((p) => parsePriceText(p))
    .filter((p): p is PricePlan => p !== null);
  const resources = d.resources ?? [];
  const delivery: Delivery[] = resources.flatMap((r, i) => {
    const type = r.resource_type?.trim() ?? '';
    if (type === SAMPLE_TYPE) return [];
    const method = DELIVERY_TYPES[type] ?? bad(`resources[${i}].resource_type: unknown value "${clip(type, 40)}"`);
    return [{ method, format: blankToNull(r.format), description: blankToNull(r.description) }];
  });
  const gxpl = blankToNull(extras.get('gxpl'));
  const updateFrequency = gxpl === null ? null : (parseFrequency(gxpl) ?? bad(`extras.gxpl: unknown value "${clip(gxpl, 40)}"`));
  const sampleResource = resources.find((r) => r.resource_type?.trim() === SAMPLE_TYPE);

  return {
    id: `${EXCHANGE}:${name}`,
    pricing,
    delivery,
    certificates: certificatesOf(extras.get('zs'), what),
    updateFrequency,
    sample: sampleResource?.sample ? sampleOf(sampleResource.sample) : null,
  };
}

/** `extras.zs`: a JSON string `[{bh, jg, rq: "yyyy-MM-dd", lx}]`; absent or blank → none. */
export function certificatesOf(zs: string | undefined, what = 'taiyuan detail'): Certificate[] {
  if (zs === undefined || zs.trim() === '') return [];
  const bad = (reason: string): never => {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reason}`);
  };
  const list = certificatesSchema.safeParse(parseJson(zs, EXCHANGE, `${what} (extras.zs)`));
  if (!list.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: extras.zs is not a certificate list (${describeZodError(list.error)})`);
  return list.data.map((c, i) => ({
    number: blankToNull(c.bh) ?? bad(`extras.zs[${i}].bh: blank`),
    issuer: c.jg.trim(),
    issuedAt: chinaLocalToIso(c.rq) ?? bad(`extras.zs[${i}].rq: "${clip(c.rq, 40)}" is not yyyy-MM-dd`),
    kind: c.lx.trim(),
  }));
}

/** The sample resource (CKAN datastore_search shape): `fields[].id` are the columns, `records` rows in that order. */
export function sampleOf(sample: { fields: ReadonlyArray<{ id: string }>; records: ReadonlyArray<Record<string, unknown>> }): DataSampleRows {
  const columns = sample.fields.map((f) => f.id);
  return { columns, rows: sample.records.map((r) => columns.map((c) => cell(r[c]))) };
}

function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

// Shenzhen (SZDE style) wire → unified model. Pure: text in, model out.
// Envelope problems throw UpstreamError(ErrorCode.UPSTREAM_ERROR); a bad listing becomes `skipped`.
//
// Wire (domain.md "Two more exchanges", decisions in /tmp/plan23 §3.2, the simulator's contract
// comment is the reference once it exists):
//   envelope   `{code, msg, data}`, always HTTP 200 for answers: 200 ok, 40001 signature or
//              timestamp rejected, 40004 unknown spId; HTTP 429 (rate limit) never reaches here
//   list row   spId "SZ" + 14 digits; spMc / spYwmc / spMs; cplx 1-4 (string or number);
//              sjzt "1" on shelf / "0" withdrawn (still listed); fbfQyMc, fbfTyshxydm; hyfl one
//              GB/T 4754 letter; yycj []; gjc ","-joined; sjdj L1-L4 with sjfj; kflx "1"-"3";
//              sfhgrxx / sfhmggrxx "1"/"0"; xsjg yuan string ("-1" negotiable) with jgdw;
//              gxsj epoch SECONDS, cjsj epoch MILLISECONDS
//   detail     {spId, jgfa: [{jflx, xsjg, jgdw}], jffs: [{fs, gs, sm}], hgpg: {zsbh, fzjg, fzrq (ms)} | null,
//              gxpl, yl: {bt: [...], sj: [[...]]} | null}

import { z } from 'zod';
import { UpstreamError } from '../common/errors.ts';
import type { HarvestPage } from '../common/adapter.ts';
import type { Certificate, Classification, DatasetDetail, DatasetRecord, Delivery, ListingStatus, PricePlan, ProductType } from '../common/model.ts';
import {
  classificationOf,
  blankToNull,
  clip,
  describeZodError,
  epochMsToIso,
  mapItems,
  modelFromChargeMode,
  negotiablePlan,
  parseDelivery,
  parseFrequency,
  parseJson,
  parseYesNo,
  planFromYuan,
  prop,
  reject,
  splitList,
  uniqueStrings,
} from '../common/normalize.ts';
import { sectorByCode } from '../common/sectors.ts';
import { looksLikeUscc } from '../common/identifiers.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const EXCHANGE = 'shenzhen';

/** The native key: "SZ" + 14 digits (date + sequence), e.g. "SZ20231108000123". */
export const SP_ID = /^SZ\d{14}$/;

/** Envelope codes of the SZDE API (HTTP 200 answers). */
export const CODE_OK = 200;
export const CODE_BAD_SIGNATURE = 40001;
export const CODE_NOT_FOUND = 40004;

/** Text of a negotiable price ("xsjg": "-1"). */
export const NEGOTIABLE_TEXT = '面议';

/** Certificate kind of the one certificate Shenzhen renders (hgpg, a compliance assessment). */
export const COMPLIANCE_KIND = '合规评估报告';

/** Years a timestamp may fall in; outside is a unit mix-up (ms given as s lands near year 50,000). */
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

const PRODUCT_TYPES: Record<string, ProductType> = { 1: 'DATASET', 2: 'API_SERVICE', 3: 'REPORT', 4: 'MODEL' };
const STATUSES: Record<string, ListingStatus> = { 1: 'LISTED', 0: 'DELISTED' };
const OPENNESS: Record<string, Classification['openness']> = { 1: 'UNCONDITIONAL', 2: 'CONDITIONAL', 3: 'NOT_OPEN' };

const envelopeSchema = z.object({ code: z.number().int(), msg: z.string().nullish(), data: z.unknown().optional() });

const pageSchema = z.object({
  rows: z.array(z.unknown()),
  totalCount: z.number().int().nonnegative(),
});

/** A code the upstream sends as a string or a number ("1" or 1). */
const code = z.union([z.string(), z.number().int()]).transform((v) => String(v).trim());
/** An epoch count as a JSON number or a digit string. */
const epoch = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,16}$/, 'expected digits')
    .transform(Number),
]);

const listItemSchema = z.object({
  spId: z.string().regex(SP_ID, 'expected "SZ" and 14 digits'),
  spMc: z.string().trim().min(1),
  spYwmc: z.string().nullish(),
  spMs: z.string().nullish(),
  cplx: code,
  sjzt: code,
  fbfQyMc: z.string().trim().min(1),
  fbfTyshxydm: z.string().trim().min(1),
  hyfl: z.string(),
  yycj: z.array(z.string()).nullish(),
  gjc: z.string().nullish(),
  sjdj: z.string(),
  sjfj: code.nullish(),
  kflx: code,
  sfhgrxx: code,
  sfhmggrxx: code,
  xsjg: z.union([z.string(), z.number()]).nullish(),
  jgdw: z.string().nullish(),
  gxsj: epoch,
  cjsj: epoch.nullish(),
});

const cell = z.union([z.string(), z.number(), z.boolean()]).nullable();

const detailSchema = z.object({
  spId: z.string(),
  jgfa: z.array(z.object({ jflx: z.string(), xsjg: z.union([z.string(), z.number()]), jgdw: z.string().nullish() })),
  jffs: z.array(z.object({ fs: z.string(), gs: z.string().nullish(), sm: z.string().nullish() })),
  hgpg: z.object({ zsbh: z.string(), fzjg: z.string(), fzrq: epoch }).nullish(),
  gxpl: z.string().nullish(),
  yl: z.object({ bt: z.array(z.string()), sj: z.array(z.array(cell)) }).nullish(),
});

export interface ShenzhenListResult extends HarvestPage {
  /** Listings the exchange says it has (all pages). */
  totalCount: number;
  /** Rows on this page, mapped or skipped. */
  count: number;
}

/** Unwraps the `{code, msg, data}` envelope. */
function unwrap(text: string, what: string): { code: number; msg: string; data: unknown } {
  const parsed = envelopeSchema.safeParse(parseJson(text, EXCHANGE, what));
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected envelope (${describeZodError(parsed.error)})`);
  return { code: parsed.data.code, msg: parsed.data.msg ?? '', data: parsed.data.data };
}

/** An envelope code other than 200 (and 40004 where that means "not found") as UPSTREAM_ERROR. */
function codeError(what: string, code: number, msg: string): UpstreamError {
  const why = code === CODE_BAD_SIGNATURE ? `request signature rejected (code ${code} ${clip(msg, 40)}); check the app key, secret and clock` : `upstream error code ${code} (${clip(msg)})`;
  return new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${why}`);
}

/** A list page (POST /szde/api/sp/list) → records + skipped + totalCount. */
export function mapListResponse(text: string): ShenzhenListResult {
  const what = 'shenzhen list';
  const env = unwrap(text, what);
  if (env.code !== CODE_OK) throw codeError(what, env.code, env.msg);
  const page = pageSchema.safeParse(env.data);
  if (!page.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected page (${describeZodError(page.error)})`);
  const { records, skipped } = mapItems(page.data.rows, nativeIdOf, mapListItem);
  return { records, skipped, totalCount: page.data.totalCount, count: page.data.rows.length };
}

function nativeIdOf(raw: unknown): string | null {
  const spId = prop(raw, 'spId');
  return typeof spId === 'string' ? spId : null;
}

/**
 * Epoch milliseconds → ISO +08:00 when it falls in 2000..2100, else null. The bounds are what
 * tells seconds from milliseconds: 1.7e9 read as ms is January 1970, 1.7e12 read as s is year ~55,000.
 */
export function boundedEpochMsToIso(ms: number): string | null {
  const iso = epochMsToIso(ms);
  if (iso === null) return null;
  const year = Number(iso.slice(0, iso.indexOf('-', 1)));
  return year >= MIN_YEAR && year <= MAX_YEAR ? iso : null;
}

/**
 * sjdj L1-L4 (+ sjfj) → level and grade: L1 and L2 are general data of grade 1 and 2, L3 general
 * data of grade 3 or 4 as sjfj says, L4 important data. Never a guessed grade: an L3 without a
 * 3/4 sjfj, or an sjfj contradicting L1/L2, rejects the listing rather than under-classify it.
 */
export function levelOf(sjdj: string, sjfj: string | null | undefined): { level: Classification['level']; grade: number | null } {
  const level = sjdj.trim().toUpperCase();
  const grade = sjfj == null || sjfj === '' ? null : Number(sjfj);
  switch (level) {
    case 'L1':
    case 'L2': {
      const implied = level === 'L1' ? 1 : 2;
      if (grade !== null && grade !== implied) reject(`sjfj: "${clip(String(sjfj), 10)}" contradicts sjdj ${level} (grade ${implied})`);
      return { level: 'GENERAL', grade: implied };
    }
    case 'L3':
      if (grade !== 3 && grade !== 4) reject(`sjfj: L3 needs grade 3 or 4, got ${sjfj == null ? 'none' : `"${clip(String(sjfj), 10)}"`}`);
      return { level: 'GENERAL', grade };
    case 'L4':
      return { level: 'IMPORTANT', grade: null };
    default:
      return reject(`sjdj: unknown value "${clip(sjdj, 20)}" (L1-L4)`);
  }
}

/** xsjg/jgdw → PricePlan: "-1" negotiable, "0.00" free, else yuan with its unit; null when not a yuan amount. */
export function priceOf(xsjg: string, jgdw: string | null | undefined, model?: PricePlan['model'] | null): PricePlan | null {
  if (xsjg.trim() === '-1') return negotiablePlan(NEGOTIABLE_TEXT);
  return planFromYuan(xsjg, jgdw ?? null, model);
}

/** One listing → DatasetRecord; throws ItemRejected with the reason when it cannot be mapped. */
export function mapListItem(raw: unknown): DatasetRecord {
  const parsed = listItemSchema.safeParse(raw);
  if (!parsed.success) reject(describeZodError(parsed.error));
  const it = parsed.data;

  const productType = PRODUCT_TYPES[it.cplx] ?? reject(`cplx: unknown value "${clip(it.cplx, 20)}" (1-4)`);
  const status = STATUSES[it.sjzt] ?? reject(`sjzt: unknown value "${clip(it.sjzt, 20)}" ("1"/"0")`);
  const sector = sectorByCode(it.hyfl.trim().toUpperCase()) ?? reject(`hyfl: "${clip(it.hyfl, 20)}" is not a GB/T 4754 section A-T`);
  const { level, grade } = levelOf(it.sjdj, it.sjfj);
  const openness = OPENNESS[it.kflx] ?? reject(`kflx: unknown value "${clip(it.kflx, 20)}" (1-3)`);
  const pi = parseYesNo(it.sfhgrxx) ?? reject(`sfhgrxx: "${clip(it.sfhgrxx, 20)}" is not "1"/"0"`);
  const spi = parseYesNo(it.sfhmggrxx) ?? reject(`sfhmggrxx: "${clip(it.sfhmggrxx, 20)}" is not "1"/"0"`);
  // The provider's key everywhere (index, Provider entity, registry look-ups): it must at least
  // have the USCC shape. A failing check digit is fine (legacy pilot codes are legal).
  const providerCode = it.fbfTyshxydm.trim().toUpperCase();
  if (!looksLikeUscc(providerCode)) reject(`fbfTyshxydm: "${clip(it.fbfTyshxydm, 40)}" is not a Unified Social Credit Code`);
  // gxsj is in seconds, cjsj in milliseconds: the bounds catch one sent in the other's unit.
  const updatedAt = boundedEpochMsToIso(it.gxsj * 1000) ?? reject(`gxsj: ${clip(String(it.gxsj), 20)} is not epoch seconds in ${MIN_YEAR}..${MAX_YEAR}`);
  if (it.cjsj != null && boundedEpochMsToIso(it.cjsj) === null) reject(`cjsj: ${clip(String(it.cjsj), 20)} is not epoch milliseconds in ${MIN_YEAR}..${MAX_YEAR}`);
  const xsjg = it.xsjg == null ? '' : String(it.xsjg);
  const headlinePrice = xsjg.trim() === '' ? null : (priceOf(xsjg, it.jgdw) ?? reject(`xsjg: "${clip(xsjg, 40)}" is not a yuan amount or "-1"`));

  return {
    id: `${EXCHANGE}:${it.spId}`,
    nativeId: it.spId,
    exchange: EXCHANGE,
    title: it.spMc.trim(),
    titleEn: blankToNull(it.spYwmc),
    description: blankToNull(it.spMs),
    productType,
    status,
    providerCode,
    providerName: it.fbfQyMc.trim(),
    sectors: [sector.code],
    scenarios: uniqueStrings(it.yycj ?? []),
    keywords: splitList(it.gjc),
    classification: classificationOf(level, grade, pi, spi, openness),
    headlinePrice,
    updatedAt,
  };
}

/**
 * A detail reply (GET /szde/api/sp/detail?spId=, HTTP 200) → DatasetDetail, or null for code
 * 40004. 40001 (signature) and other codes, and invalid payloads, throw UpstreamError(UPSTREAM_ERROR).
 */
export function mapDetailResponse(text: string, spId: string): DatasetDetail | null {
  const what = `shenzhen detail ${spId}`;
  const env = unwrap(text, what);
  if (env.code === CODE_NOT_FOUND) return null;
  if (env.code !== CODE_OK) throw codeError(what, env.code, env.msg);
  if (env.data === null || env.data === undefined) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: code 200 without data`);
  const parsed = detailSchema.safeParse(env.data);
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: invalid detail (${describeZodError(parsed.error)})`);
  const d = parsed.data;
  if (d.spId !== spId) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: reply is for another listing (${clip(d.spId, 40)})`);
  const bad = (reason: string): never => {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reason}`);
  };

  const pricing: PricePlan[] = d.jgfa.map((p, i) => {
    const model = modelFromChargeMode(p.jflx) ?? bad(`jgfa[${i}].jflx: unknown value "${clip(p.jflx, 40)}"`);
    return priceOf(String(p.xsjg), p.jgdw, model) ?? bad(`jgfa[${i}].xsjg: "${clip(String(p.xsjg), 40)}" is not a yuan amount or "-1"`);
  });
  const delivery: Delivery[] = d.jffs.map((f, i) => ({
    method: parseDelivery(f.fs) ?? bad(`jffs[${i}].fs: unknown value "${clip(f.fs, 40)}"`),
    format: blankToNull(f.gs),
    description: blankToNull(f.sm),
  }));
  const certificates: Certificate[] = d.hgpg
    ? [
        {
          number: blankToNull(d.hgpg.zsbh) ?? bad('hgpg.zsbh: blank'),
          issuer: blankToNull(d.hgpg.fzjg) ?? bad('hgpg.fzjg: blank'),
          issuedAt: boundedEpochMsToIso(d.hgpg.fzrq) ?? bad(`hgpg.fzrq: ${clip(String(d.hgpg.fzrq), 20)} is not epoch milliseconds in ${MIN_YEAR}..${MAX_YEAR}`),
          kind: COMPLIANCE_KIND,
        },
      ]
    : [];
  const updateFrequency = d.gxpl == null || d.gxpl.trim() === '' ? null : (parseFrequency(d.gxpl) ?? bad(`gxpl: unknown value "${clip(d.gxpl, 40)}"`));
  let sample: DatasetDetail['sample'] = null;
  if (d.yl) {
    const width = d.yl.bt.length;
    const rows = d.yl.sj.map((r, i) => {
      // A row wider or narrower than the header would shift values under the wrong column (and its masking rule).
      if (r.length !== width) bad(`yl.sj[${i}]: ${r.length} cells for ${width} columns`);
      return r.map((c) => (c === null ? null : String(c)));
    });
    sample = { columns: d.yl.bt, rows };
  }

  return { id: `${EXCHANGE}:${spId}`, pricing, delivery, certificates, updateFrequency, sample };
}

// Shanghai (SDE style) wire → unified model. Pure: raw response text in, model out.
// Ids are 19-digit snowflakes written as raw JSON numbers; they are parsed losslessly and kept
// as their exact decimal text, never passed through a JS number. Registered (serviceType 1) and
// tradable (serviceType 2) listings have separate, colliding id spaces: the native key is
// "registered:<id>" or "tradable:<id>".

import { LosslessNumber } from 'lossless-json';
import { z } from 'zod';
import { UpstreamError } from '../common/errors.ts';
import type { HarvestPage } from '../common/adapter.ts';
import type { Certificate, DatasetDetail, DatasetRecord, Delivery, ListingStatus, PricePlan, ProductType } from '../common/model.ts';
import {
  classificationOf,
  blankToNull,
  clip,
  describeZodError,
  epochMsToIso,
  gradeFor,
  mapItems,
  modelFromChargeMode,
  parseDelivery,
  parseFrequency,
  parseJsonLossless,
  parseLevel,
  parseOpenness,
  parseYesNo,
  planFromFen,
  prop,
  reject,
  sectorCodeFromName,
  uniqueStrings,
} from '../common/normalize.ts';
import { looksLikeUscc } from '../common/identifiers.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const EXCHANGE = 'shanghai';

export type ServiceType = 1 | 2;
export const SERVICE_TYPES: readonly ServiceType[] = [1, 2];
const SPACE: Record<ServiceType, string> = { 1: 'registered', 2: 'tradable' };

/** Native key of a listing: "registered:<id>" | "tradable:<id>". */
export function nativeKey(serviceType: ServiceType, id: string): string {
  return `${SPACE[serviceType]}:${id}`;
}

/** Inverse of nativeKey; null when the key is not one of ours. */
export function parseNativeKey(key: string): { serviceType: ServiceType; id: string } | null {
  const m = /^(registered|tradable):(\d{1,20})$/.exec(key);
  if (!m) return null;
  return { serviceType: m[1] === 'registered' ? 1 : 2, id: m[2] };
}

const PRODUCT_TYPES: Record<string, ProductType> = {
  数据集: 'DATASET',
  数据服务: 'API_SERVICE',
  数据报告: 'REPORT',
  算法模型: 'MODEL',
  数据工具: 'TOOL',
};
const STATUSES: Record<string, ListingStatus> = { 登记: 'REGISTERED', 公示: 'PUBLICIZING', 挂牌: 'LISTED', 下架: 'DELISTED' };

/** A snowflake id as exact decimal text, whether it arrived as a safe number, a lossless one or a string. */
const snowflake = z
  .union([z.instanceof(LosslessNumber), z.number().int().nonnegative(), z.string()])
  .transform((v) => v.toString())
  .pipe(z.string().regex(/^\d{1,20}$/, 'expected an unsigned integer id'));

const serviceType = z.union([z.literal(1), z.literal(2)]);

/**
 * Epoch milliseconds that still give a four-digit year in China time (up to 9999-12-31 23:59:59
 * +08:00): beyond that the ISO text would need a five-digit year, which is no DateTime.
 */
const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 15, 59, 59, 999);
const epochMs = z.number().int().nonnegative().max(MAX_EPOCH_MS);
const flag = z.union([z.boolean(), z.number().int()]);

const envelopeSchema = z.object({ code: z.number().int(), message: z.string().nullish(), data: z.unknown().optional() });

const pageSchema = z.object({
  list: z.array(z.unknown()),
  total: z.number().int().nonnegative(),
  totalPage: z.number().int().nonnegative(),
  pageNum: z.number().int().positive(),
});

const listItemSchema = z.object({
  id: snowflake,
  serviceType,
  productName: z.string().trim().min(1),
  productNameEn: z.string().nullish(),
  intro: z.string().nullish(),
  productType: z.string(),
  sectorName: z.array(z.string()),
  zoneName: z.array(z.string()).nullish(),
  aiTag: z.array(z.string()).nullish(),
  sceneTags: z.array(z.string()).nullish(),
  companyName: z.string().trim().min(1),
  creditCode: z.string().trim().min(1),
  priceFen: z.number().int().nonnegative().nullable(),
  chargeMode: z.string(),
  dataLevel: z.string(),
  dataGrade: z.number().int().nullish(),
  piFlag: flag,
  spiFlag: flag,
  accessRights: z.string(),
  status: z.string(),
  updateTime: epochMs,
});

const detailKeySchema = z.object({ id: snowflake, serviceType });

const detailSchema = z.object({
  id: snowflake,
  serviceType,
  plans: z.array(z.object({ chargeMode: z.string(), priceFen: z.number().int().nonnegative().nullable(), unit: z.string().nullish(), remark: z.string().nullish() })),
  deliveries: z.array(z.object({ type: z.string(), format: z.string().nullish(), remark: z.string().nullish() })),
  certs: z.array(z.object({ certNo: z.string(), issuer: z.string(), issuedAt: epochMs, kind: z.string() })),
  updateCycle: z.string().nullish(),
  sampleData: z.object({ columns: z.array(z.string()), data: z.array(z.array(z.union([z.string(), z.number()]).nullable())) }).nullish(),
});

/** Unwraps `{code: 200, message, data}`; any other code is an upstream error. */
function unwrap(text: string, what: string): unknown {
  const parsed = envelopeSchema.safeParse(parseJsonLossless(text, EXCHANGE, what));
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected envelope (${describeZodError(parsed.error)})`);
  const env = parsed.data;
  if (env.code !== 200) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: upstream error code ${env.code} (${clip(env.message ?? '')})`);
  if (env.data === null || env.data === undefined) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: code 200 without data`);
  return env.data;
}

export interface ShanghaiListResult extends HarvestPage {
  total: number;
  totalPage: number;
  pageNum: number;
}

/** A search page (POST /dex-api/dex-es/query/all/search) of one serviceType → records + skipped. */
export function mapSearchResponse(text: string, expectedType: ServiceType): ShanghaiListResult {
  const what = `shanghai search (serviceType ${expectedType})`;
  const page = pageSchema.safeParse(unwrap(text, what));
  if (!page.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected page (${describeZodError(page.error)})`);
  const { records, skipped } = mapItems(page.data.list, nativeIdOf, (raw) => mapListItem(raw, expectedType));
  return { records, skipped, total: page.data.total, totalPage: page.data.totalPage, pageNum: page.data.pageNum };
}

function nativeIdOf(raw: unknown): string | null {
  const key = detailKeySchema.safeParse({ id: prop(raw, 'id'), serviceType: prop(raw, 'serviceType') });
  return key.success ? nativeKey(key.data.serviceType, key.data.id) : null;
}

/** One listing → DatasetRecord; throws ItemRejected with the reason when it cannot be mapped. */
export function mapListItem(raw: unknown, expectedType?: ServiceType): DatasetRecord {
  const parsed = listItemSchema.safeParse(raw);
  if (!parsed.success) reject(describeZodError(parsed.error));
  const it = parsed.data;
  // An item of the other id space here would be counted twice (or shadow its namesake).
  if (expectedType !== undefined && it.serviceType !== expectedType) reject(`serviceType: ${it.serviceType} in a serviceType ${expectedType} listing`);

  const productType = PRODUCT_TYPES[it.productType.trim()] ?? reject(`productType: unknown value "${clip(it.productType, 40)}"`);
  const status = STATUSES[it.status.trim()] ?? reject(`status: unknown value "${clip(it.status, 40)}"`);
  const sectors = uniqueStrings(it.sectorName.map((name) => sectorCodeFromName(name) ?? reject(`sectorName: unknown section "${clip(name, 40)}"`)));
  const level = parseLevel(it.dataLevel) ?? reject(`dataLevel: unknown value "${clip(it.dataLevel, 40)}"`);
  const grade = gradeFor(level.level, it.dataGrade ?? level.grade);
  if (grade === undefined) reject(`dataGrade: ${it.dataGrade} is not 1..4`);
  const openness = parseOpenness(it.accessRights) ?? reject(`accessRights: unknown value "${clip(it.accessRights, 40)}"`);
  const pi = parseYesNo(it.piFlag) ?? reject(`piFlag: ${it.piFlag} is not a flag`);
  const spi = parseYesNo(it.spiFlag) ?? reject(`spiFlag: ${it.spiFlag} is not a flag`);
  const model = modelFromChargeMode(it.chargeMode) ?? reject(`chargeMode: unknown value "${clip(it.chargeMode, 40)}"`);
  // The provider's key everywhere (index, Provider entity, registry look-ups): it must at least
  // have the USCC shape. A failing check digit is fine (legacy pilot codes are legal).
  const providerCode = it.creditCode.trim().toUpperCase();
  if (!looksLikeUscc(providerCode)) reject(`creditCode: "${clip(it.creditCode, 40)}" is not a Unified Social Credit Code`);
  const updatedAt = epochMsToIso(it.updateTime) ?? reject(`updateTime: ${it.updateTime} is not epoch milliseconds`);
  const nativeId = nativeKey(it.serviceType, it.id);

  return {
    id: `${EXCHANGE}:${nativeId}`,
    nativeId,
    exchange: EXCHANGE,
    title: it.productName.trim(),
    titleEn: blankToNull(it.productNameEn),
    description: blankToNull(it.intro),
    productType,
    status,
    providerCode,
    providerName: it.companyName.trim(),
    sectors,
    scenarios: uniqueStrings(it.sceneTags ?? []),
    keywords: uniqueStrings(it.aiTag ?? []),
    classification: classificationOf(level.level, grade, pi, spi, openness),
    headlinePrice: planFromFen(it.priceFen, model, null),
    updatedAt,
  };
}

export interface ShanghaiDetailBatch {
  /** By native key; an Error when that entry came back but could not be mapped. */
  details: Map<string, DatasetDetail | Error>;
  /** Entries whose key could not even be read: absent keys then mean "unknown" no longer. */
  unattributable: number;
}

/** A batch detail reply (POST /dex-api/product/detail/batch) → details by native key. */
export function mapDetailBatchResponse(text: string): ShanghaiDetailBatch {
  const what = 'shanghai detail batch';
  const data = z.object({ list: z.array(z.unknown()) }).safeParse(unwrap(text, what));
  if (!data.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected data (${describeZodError(data.error)})`);
  const details = new Map<string, DatasetDetail | Error>();
  let unattributable = 0;
  for (const raw of data.data.list) {
    const key = nativeIdOf(raw);
    if (key === null) {
      unattributable++;
      continue;
    }
    try {
      details.set(key, mapDetail(raw));
    } catch (err) {
      details.set(key, err instanceof Error ? err : new Error(String(err)));
    }
  }
  return { details, unattributable };
}

/** One detail entry → DatasetDetail; throws UpstreamError(ErrorCode.UPSTREAM_ERROR) when invalid. */
export function mapDetail(raw: unknown): DatasetDetail {
  const parsed = detailSchema.safeParse(raw);
  const keyText = nativeIdOf(raw) ?? '?';
  const what = `shanghai detail ${keyText}`;
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: invalid detail (${describeZodError(parsed.error)})`);
  const d = parsed.data;
  const bad = (reason: string): never => {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reason}`);
  };

  const pricing: PricePlan[] = d.plans.map((p, i) =>
    planFromFen(p.priceFen, modelFromChargeMode(p.chargeMode) ?? bad(`plans[${i}].chargeMode: unknown value "${clip(p.chargeMode, 40)}"`), p.unit ?? null, blankToNull(p.remark)),
  );
  const delivery: Delivery[] = d.deliveries.map((x, i) => ({
    method: parseDelivery(x.type) ?? bad(`deliveries[${i}].type: unknown value "${clip(x.type, 40)}"`),
    format: blankToNull(x.format),
    description: blankToNull(x.remark),
  }));
  const certificates: Certificate[] = d.certs.map((c, i) => ({
    number: blankToNull(c.certNo) ?? bad(`certs[${i}].certNo: blank`),
    issuer: c.issuer.trim(),
    issuedAt: epochMsToIso(c.issuedAt) ?? bad(`certs[${i}].issuedAt: ${c.issuedAt} is not epoch milliseconds`),
    kind: c.kind.trim(),
  }));
  const updateFrequency = d.updateCycle == null ? null : (parseFrequency(d.updateCycle) ?? bad(`updateCycle: unknown value "${clip(d.updateCycle, 40)}"`));
  const sample = d.sampleData ? { columns: d.sampleData.columns, rows: d.sampleData.data.map((r) => r.map((c) => (c === null ? null : String(c)))) } : null;

  return { id: `${EXCHANGE}:${nativeKey(d.serviceType, d.id)}`, pricing, delivery, certificates, updateFrequency, sample };
}

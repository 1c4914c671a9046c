// Beijing (BJIDEX style) wire → unified model. Pure: text in, model out.
// Envelope problems throw UpstreamError(ErrorCode.UPSTREAM_ERROR); a bad listing becomes `skipped`.

import { z } from 'zod';
import { UpstreamError } from '../common/errors.ts';
import type { HarvestPage } from '../common/adapter.ts';
import type { Certificate, DatasetDetail, DatasetRecord, Delivery, ListingStatus, PricePlan, ProductType } from '../common/model.ts';
import {
  classificationOf,
  blankToNull,
  chinaLocalToIso,
  clip,
  describeZodError,
  gradeFor,
  mapItems,
  modelFromChargeMode,
  parseDelivery,
  parseFrequency,
  parseJson,
  parseLevel,
  parseOpenness,
  parseYesNo,
  planFromYuan,
  prop,
  reject,
  splitList,
  uniqueStrings,
} from '../common/normalize.ts';
import { sectorByIndex } from '../common/sectors.ts';
import { looksLikeUscc } from '../common/identifiers.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const EXCHANGE = 'beijing';

export const UUID = /^[0-9a-fA-F]{32}$/;

const PRODUCT_TYPES: Record<number, ProductType> = { 1: 'DATASET', 2: 'API_SERVICE', 3: 'REPORT', 4: 'MODEL', 5: 'TOOL' };
const STATUSES: Record<string, ListingStatus> = { 已登记: 'REGISTERED', 公示中: 'PUBLICIZING', 已上架: 'LISTED', 已下架: 'DELISTED' };

const envelopeSchema = z.object({ code: z.number().int(), msg: z.string().nullish(), data: z.unknown().optional() });

const pageSchema = z.object({
  records: z.array(z.unknown()),
  total: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  current: z.number().int().positive(),
  pages: z.number().int().nonnegative(),
});

const flag = z.union([z.number().int(), z.boolean()]);

const listItemSchema = z.object({
  uuid: z.string().regex(UUID, 'expected 32 hex characters'),
  goodsName: z.string().trim().min(1),
  goodsNameEn: z.string().nullish(),
  goodsDesc: z.string().nullish(),
  goodsType: z.number().int(),
  goodsStatus: z.string(),
  goodsIndustry: z.number().int(),
  goodsArea: z.string().nullish(),
  goodsTags: z.string().nullish(),
  sceneNames: z.array(z.string()).nullish(),
  supplierName: z.string().trim().min(1),
  supplierCreditCode: z.string().trim().min(1),
  price: z.union([z.string(), z.number()]),
  priceUnit: z.string().nullish(),
  dataLevel: z.string(),
  dataGrade: z.number().int().nullish(),
  hasPersonalInfo: flag,
  hasSensitiveInfo: flag,
  openType: z.string(),
  updateTime: z.string(),
  createTime: z.string().nullish(),
});

const detailSchema = z.object({
  uuid: z.string(),
  priceList: z.array(z.object({ priceType: z.string(), price: z.union([z.string(), z.number()]), priceUnit: z.string().nullish() })),
  deliveryModes: z.array(z.object({ mode: z.string(), format: z.string().nullish(), remark: z.string().nullish() })),
  certificates: z.array(z.object({ certNo: z.string(), issueOrg: z.string(), issueDate: z.string(), certType: z.string() })),
  updateFrequency: z.string().nullish(),
  sample: z.object({ headers: z.array(z.string()), rows: z.array(z.array(z.union([z.string(), z.number()]).nullable())) }).nullish(),
});

export interface BeijingListResult extends HarvestPage {
  total: number;
  pages: number;
  current: number;
}

/** Unwraps the `{code, msg, data}` envelope; `code` other than 0 is an upstream error. */
function unwrap(text: string, what: string): { code: number; msg: string; data: unknown } {
  const parsed = envelopeSchema.safeParse(parseJson(text, EXCHANGE, what));
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected envelope (${describeZodError(parsed.error)})`);
  return { code: parsed.data.code, msg: parsed.data.msg ?? '', data: parsed.data.data };
}

/** A list page (POST /product/api/productIndex/getProductList) → records + skipped + paging. */
export function mapListResponse(text: string): BeijingListResult {
  const what = 'beijing list';
  const env = unwrap(text, what);
  if (env.code !== 0) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: upstream error code ${env.code} (${clip(env.msg)})`);
  const page = pageSchema.safeParse(env.data);
  if (!page.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected page (${describeZodError(page.error)})`);
  const { records, skipped } = mapItems(page.data.records, nativeIdOf, mapListItem);
  return { records, skipped, total: page.data.total, pages: page.data.pages, current: page.data.current };
}

function nativeIdOf(raw: unknown): string | null {
  const uuid = prop(raw, 'uuid');
  return typeof uuid === 'string' ? uuid : null;
}

/** One listing → DatasetRecord; throws ItemRejected with the reason when it cannot be mapped. */
export function mapListItem(raw: unknown): DatasetRecord {
  const parsed = listItemSchema.safeParse(raw);
  if (!parsed.success) reject(describeZodError(parsed.error));
  const it = parsed.data;

  const productType = PRODUCT_TYPES[it.goodsType] ?? reject(`goodsType: unknown value ${it.goodsType}`);
  const status = STATUSES[it.goodsStatus.trim()] ?? reject(`goodsStatus: unknown value "${clip(it.goodsStatus, 40)}"`);
  const sector = sectorByIndex(it.goodsIndustry) ?? reject(`goodsIndustry: ${it.goodsIndustry} is not 0..19`);
  const level = parseLevel(it.dataLevel) ?? reject(`dataLevel: unknown value "${clip(it.dataLevel, 40)}"`);
  const grade = gradeFor(level.level, it.dataGrade ?? level.grade);
  if (grade === undefined) reject(`dataGrade: ${it.dataGrade} is not 1..4`);
  const openness = parseOpenness(it.openType) ?? reject(`openType: unknown value "${clip(it.openType, 40)}"`);
  const pi = parseYesNo(it.hasPersonalInfo) ?? reject(`hasPersonalInfo: ${it.hasPersonalInfo} is not 0/1`);
  const spi = parseYesNo(it.hasSensitiveInfo) ?? reject(`hasSensitiveInfo: ${it.hasSensitiveInfo} is not 0/1`);
  // The provider's key everywhere (index, Provider entity, registry look-ups): it must at least
  // have the USCC shape. A failing check digit is fine (legacy pilot codes are legal).
  const providerCode = it.supplierCreditCode.trim().toUpperCase();
  if (!looksLikeUscc(providerCode)) reject(`supplierCreditCode: "${clip(it.supplierCreditCode, 40)}" is not a Unified Social Credit Code`);
  const updatedAt = chinaLocalToIso(it.updateTime) ?? reject(`updateTime: "${clip(it.updateTime, 40)}" is not yyyy-MM-dd HH:mm:ss`);
  const price = String(it.price);
  const headlinePrice = price.trim() === '' ? null : (planFromYuan(price, it.priceUnit ?? null) ?? reject(`price: "${clip(price, 40)}" is not a yuan amount`));

  return {
    id: `${EXCHANGE}:${it.uuid}`,
    nativeId: it.uuid,
    exchange: EXCHANGE,
    title: it.goodsName.trim(),
    titleEn: blankToNull(it.goodsNameEn),
    description: blankToNull(it.goodsDesc),
    productType,
    status,
    providerCode,
    providerName: it.supplierName.trim(),
    sectors: [sector.code],
    scenarios: uniqueStrings(it.sceneNames ?? []),
    keywords: splitList(it.goodsTags),
    classification: classificationOf(level.level, grade, pi, spi, openness),
    headlinePrice,
    updatedAt,
  };
}

/**
 * A detail reply (GET /product/api/detail/{uuid}, HTTP 200) → DatasetDetail, or null for
 * `code: 404`. Other codes and invalid payloads throw UpstreamError(ErrorCode.UPSTREAM_ERROR).
 */
export function mapDetailResponse(text: string, uuid: string): DatasetDetail | null {
  const what = `beijing detail ${uuid}`;
  const env = unwrap(text, what);
  if (env.code === 404) return null;
  if (env.code !== 0) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: upstream error code ${env.code} (${clip(env.msg)})`);
  if (env.data === null || env.data === undefined) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: code 0 without data`);
  const parsed = detailSchema.safeParse(env.data);
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: invalid detail (${describeZodError(parsed.error)})`);
  const d = parsed.data;
  if (d.uuid !== uuid) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: reply is for another listing (${clip(d.uuid, 40)})`);
  const bad = (reason: string): never => {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reason}`);
  };

  const pricing: PricePlan[] = d.priceList.map((p, i) => {
    const model = modelFromChargeMode(p.priceType) ?? bad(`priceList[${i}].priceType: unknown value "${clip(p.priceType, 40)}"`);
    return planFromYuan(String(p.price), p.priceUnit ?? null, model) ?? bad(`priceList[${i}].price: "${clip(String(p.price), 40)}" is not a yuan amount`);
  });
  const delivery: Delivery[] = d.deliveryModes.map((m, i) => ({
    method: parseDelivery(m.mode) ?? bad(`deliveryModes[${i}].mode: unknown value "${clip(m.mode, 40)}"`),
    format: blankToNull(m.format),
    description: blankToNull(m.remark),
  }));
  const certificates: Certificate[] = d.certificates.map((c, i) => ({
    number: blankToNull(c.certNo) ?? bad(`certificates[${i}].certNo: blank`),
    issuer: c.issueOrg.trim(),
    issuedAt: chinaLocalToIso(c.issueDate) ?? bad(`certificates[${i}].issueDate: "${clip(c.issueDate, 40)}" is not yyyy-MM-dd`),
    kind: c.certType.trim(),
  }));
  const updateFrequency = d.updateFrequency == null ? null : (parseFrequency(d.updateFrequency) ?? bad(`updateFrequency: unknown value "${clip(d.updateFrequency, 40)}"`));
  const sample = d.sample ? { columns: d.sample.headers, rows: d.sample.rows.map((r) => r.map((c) => (c === null ? null : String(c)))) } : null;

  return { id: `${EXCHANGE}:${uuid}`, pricing, delivery, certificates, updateFrequency, sample };
}

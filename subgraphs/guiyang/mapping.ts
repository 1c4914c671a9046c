// Guiyang (GBDEx style) wire → unified model. Pure: text in, model out.
// The detail gateway wraps its real answer in a JSON string inside the JSON reply, and only
// the inner `code` tells success from failure.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UpstreamError } from '../common/errors.ts';
import type { HarvestPage } from '../common/adapter.ts';
import type { Certificate, DataSampleRows, DatasetDetail, DatasetRecord, Delivery, ListingStatus, PricePlan, ProductType } from '../common/model.ts';
import {
  classificationOf,
  blankToNull,
  chineseDateToIso,
  clip,
  describeZodError,
  gradeFor,
  mapItems,
  parseDelivery,
  parseFrequency,
  parseJson,
  parseLevel,
  parseOpenness,
  parsePriceText,
  parseYesNo,
  prop,
  reject,
  sectorCodeFromName,
  splitList,
  uniqueStrings,
} from '../common/normalize.ts';
import { sectorByIndex } from '../common/sectors.ts';
import { looksLikeUscc } from '../common/identifiers.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const EXCHANGE = 'guiyang';

/** dataDomains ids 491..510 are GB/T 4754 sections A..T. */
export const DOMAIN_BASE = 491;

/** Kind of the one certificate the gateway describes (it names no kind itself). */
export const CERTIFICATE_KIND = '数据产品登记凭证';

const PRODUCT_TYPES: Record<string, ProductType> = {
  数据集: 'DATASET',
  API接口: 'API_SERVICE',
  分析报告: 'REPORT',
  模型: 'MODEL',
  工具: 'TOOL',
};
// "待审核" (awaiting review) is the state before public notice: registered, not yet public.
const STATUSES: Record<string, ListingStatus> = { 待审核: 'REGISTERED', 公示中: 'PUBLICIZING', 已上架: 'LISTED', 已下架: 'DELISTED' };

const listEnvelopeSchema = z.object({
  success: z.number().int(),
  data: z.array(z.unknown()).nullish(),
  total: z.number().int().nonnegative().nullish(),
  page: z.number().int().positive().nullish(),
  errMsg: z.string().nullish(),
});

const listItemSchema = z.object({
  serviceId: z.number().int().nonnegative(),
  serviceName: z.string().trim().min(1),
  serviceNameEn: z.string().nullish(),
  serviceDesc: z.string().nullish(),
  ServiceType: z.string(), // capital S on the wire
  sectors_name: z.string().nullish(),
  dataDomains: z.string().nullish(),
  scenes: z.string().nullish(),
  tags: z.string().nullish(),
  providerName: z.string().trim().min(1),
  ProviderUSCC: z.string().trim().min(1),
  priceDesc: z.string().nullish(),
  safeLevel: z.string(),
  personalInfo: z.string(),
  sensitiveInfo: z.string(),
  openLevel: z.string(),
  status: z.string(),
  updateDate: z.string(),
});

const outerSchema = z.object({ code: z.union([z.number(), z.string()]), msg: z.string().nullish(), data: z.unknown().optional() });
const innerSchema = z.object({ code: z.union([z.string(), z.number()]).transform(String), msg: z.string().nullish(), data: z.unknown().optional() });

const detailSchema = z.object({
  serviceId: z.number().int().nonnegative(),
  priceItems: z.array(z.object({ desc: z.string() })),
  deliverWay: z.string().nullish(),
  dataFormat: z.string().nullish(),
  certificateNo: z.string().nullish(),
  certificateOrg: z.string().nullish(),
  certificateDate: z.string().nullish(),
  refreshRate: z.string().nullish(),
  sampleJson: z.string().nullish(),
});

export interface GuiyangListResult extends HarvestPage {
  total: number;
  page: number;
  /** Items on the page, mapped or skipped. */
  count: number;
}

/** A list page (GET /apaas/serviceapp/v3/servicemarket/dataShop/list) → records + skipped + paging. */
export function mapListResponse(text: string): GuiyangListResult {
  const what = 'guiyang list';
  const parsed = listEnvelopeSchema.safeParse(parseJson(text, EXCHANGE, what));
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected envelope (${describeZodError(parsed.error)})`);
  const env = parsed.data;
  if (env.success !== 1) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: upstream error (${clip(env.errMsg ?? `success ${env.success}`)})`);
  if (!env.data || env.total == null || env.page == null) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: success without data, total or page`);
  const { records, skipped } = mapItems(env.data, nativeIdOf, mapListItem);
  return { records, skipped, total: env.total, page: env.page, count: env.data.length };
}

function nativeIdOf(raw: unknown): string | null {
  const id = prop(raw, 'serviceId');
  return typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : null;
}

/** Sections from dataDomains ids (unambiguous); the Chinese names only when there are no ids. */
function sectorsOf(dataDomains: string | null | undefined, names: string | null | undefined): string[] {
  const ids = splitList(dataDomains);
  if (ids.length > 0) {
    return uniqueStrings(
      ids.map((id) => {
        const n = /^\d+$/.test(id) ? Number(id) : NaN;
        return sectorByIndex(n - DOMAIN_BASE)?.code ?? reject(`dataDomains: "${clip(id, 20)}" is not ${DOMAIN_BASE}..${DOMAIN_BASE + 19}`);
      }),
    );
  }
  return uniqueStrings(splitList(names).map((n) => sectorCodeFromName(n) ?? reject(`sectors_name: unknown section "${clip(n, 40)}"`)));
}

/** One listing → DatasetRecord; throws ItemRejected with the reason when it cannot be mapped. */
export function mapListItem(raw: unknown): DatasetRecord {
  const parsed = listItemSchema.safeParse(raw);
  if (!parsed.success) reject(describeZodError(parsed.error));
  const it = parsed.data;

  const productType = PRODUCT_TYPES[it.ServiceType.trim()] ?? reject(`ServiceType: unknown value "${clip(it.ServiceType, 40)}"`);
  const status = STATUSES[it.status.trim()] ?? reject(`status: unknown value "${clip(it.status, 40)}"`);
  const sectors = sectorsOf(it.dataDomains, it.sectors_name);
  const level = parseLevel(it.safeLevel) ?? reject(`safeLevel: unknown value "${clip(it.safeLevel, 40)}"`);
  const grade = gradeFor(level.level, level.grade);
  const openness = parseOpenness(it.openLevel) ?? reject(`openLevel: unknown value "${clip(it.openLevel, 40)}"`);
  const pi = parseYesNo(it.personalInfo.trim()) ?? reject(`personalInfo: "${clip(it.personalInfo, 20)}" is not 是/否`);
  const spi = parseYesNo(it.sensitiveInfo.trim()) ?? reject(`sensitiveInfo: "${clip(it.sensitiveInfo, 20)}" is not 是/否`);
  // The provider's key everywhere (index, Provider entity, registry look-ups): it must at least
  // have the USCC shape. A failing check digit is fine (legacy pilot codes are legal).
  const providerCode = it.ProviderUSCC.trim().toUpperCase();
  if (!looksLikeUscc(providerCode)) reject(`ProviderUSCC: "${clip(it.ProviderUSCC, 40)}" is not a Unified Social Credit Code`);
  const updatedAt = chineseDateToIso(it.updateDate) ?? reject(`updateDate: "${clip(it.updateDate, 40)}" is not yyyy年MM月dd日`);
  const nativeId = String(it.serviceId);

  return {
    id: `${EXCHANGE}:${nativeId}`,
    nativeId,
    exchange: EXCHANGE,
    title: it.serviceName.trim(),
    titleEn: blankToNull(it.serviceNameEn),
    description: blankToNull(it.serviceDesc),
    productType,
    status,
    providerCode,
    providerName: it.providerName.trim(),
    sectors,
    scenarios: splitList(it.scenes),
    keywords: splitList(it.tags),
    classification: classificationOf(level.level, grade, pi, spi, openness),
    // Free text: what cannot be read safely stays out of price sorting and filters.
    headlinePrice: it.priceDesc ? parsePriceText(it.priceDesc) : null,
    updatedAt,
  };
}

/**
 * Gateway sign per wire.ts: uppercase hex MD5 of secret + params (sign excluded) sorted by
 * name as `k=v` joined by "&" + secret. Values are signed raw, not URL-encoded.
 */
export function signGateway(params: Record<string, string>, appSecret: string): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(`${appSecret}${canonical}${appSecret}`, 'utf8').digest('hex').toUpperCase();
}

/** A value that may be JSON encoded inside a string, possibly more than once. */
function decodeNested(value: unknown, what: string): unknown {
  let v = value;
  for (let depth = 0; typeof v === 'string' && depth < 3; depth++) v = parseJson(v, EXCHANGE, what);
  return v;
}

/**
 * A gateway reply (POST /interface/gateway.do, interface dataShop.detail) → DatasetDetail, null
 * for inner code "E404"; other codes and invalid payloads throw UpstreamError(ErrorCode.UPSTREAM_ERROR).
 */
export function mapGatewayResponse(text: string, serviceId: number): DatasetDetail | null {
  const what = `guiyang detail ${serviceId}`;
  const outer = outerSchema.safeParse(parseJson(text, EXCHANGE, what));
  if (!outer.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected envelope (${describeZodError(outer.error)})`);
  if (String(outer.data.code) !== '200') {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: gateway code ${outer.data.code} (${clip(outer.data.msg ?? '')})`);
  }
  const inner = innerSchema.safeParse(decodeNested(outer.data.data, `${what} (inner reply)`));
  if (!inner.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: unexpected inner reply (${describeZodError(inner.error)})`);
  const { code, msg } = inner.data;
  if (code === 'E404') return null;
  if (code === 'E401') throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: gateway signature rejected (E401); check app id, secret and clock`);
  if (code !== '1') throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: inner code ${code} (${clip(msg ?? '')})`);

  const parsed = detailSchema.safeParse(decodeNested(inner.data.data, `${what} (inner data)`));
  if (!parsed.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: invalid detail (${describeZodError(parsed.error)})`);
  const d = parsed.data;
  const bad = (reason: string): never => {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: ${reason}`);
  };
  if (d.serviceId !== serviceId) bad(`reply is for service ${d.serviceId}`);

  // Free-text price lines that cannot be read are left out rather than guessed.
  const pricing: PricePlan[] = d.priceItems.map((p) => parsePriceText(p.desc)).filter((p): p is PricePlan => p !== null);
  const format = blankToNull(d.dataFormat);
  const delivery: Delivery[] = splitList(d.deliverWay).map((w) => ({
    method: parseDelivery(w) ?? bad(`deliverWay: unknown value "${clip(w, 40)}"`),
    format,
    description: null,
  }));
  const certificates: Certificate[] = [];
  const certNo = blankToNull(d.certificateNo);
  if (certNo) {
    const issuedAt = d.certificateDate ? chineseDateToIso(d.certificateDate) : null;
    certificates.push({
      number: certNo,
      issuer: blankToNull(d.certificateOrg) ?? '',
      issuedAt: issuedAt ?? bad(`certificateDate: "${clip(d.certificateDate ?? 'null', 40)}" is not yyyy年MM月dd日`),
      kind: CERTIFICATE_KIND,
    });
  }
  const updateFrequency = d.refreshRate == null ? null : (parseFrequency(d.refreshRate) ?? bad(`refreshRate: unknown value "${clip(d.refreshRate, 40)}"`));
  const sample = d.sampleJson ? sampleFromJson(d.sampleJson, what) : null;

  return { id: `${EXCHANGE}:${serviceId}`, pricing, delivery, certificates, updateFrequency, sample };
}

/** `sampleJson` (a JSON array of row objects) → columns in first-seen order + rows. */
export function sampleFromJson(json: string, what = 'guiyang sample'): DataSampleRows {
  const rows = z.array(z.record(z.string(), z.unknown())).safeParse(parseJson(json, EXCHANGE, `${what} (sampleJson)`));
  if (!rows.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, EXCHANGE, `${what}: sampleJson is not an array of row objects (${describeZodError(rows.error)})`);
  // Keys kept verbatim (no trimming): they index the row objects.
  const columns = [...new Set(rows.data.flatMap((r) => Object.keys(r)))];
  return { columns, rows: rows.data.map((r) => columns.map((c) => cell(r[c]))) };
}

function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

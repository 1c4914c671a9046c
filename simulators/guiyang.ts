// Guiyang exchange (GBDEx style): the GET list (size capped at 200, `dataDomains` filter works
// but singular `dataDomain` is ignored) and the Zhejiang-style form gateway whose reply carries
// the real outcome JSON-encoded inside a string.

import { createHash } from 'node:crypto';
import type { DataLevel, DeliveryMethod, ListingStatus, ProductType } from '../subgraphs/common/model.ts';
import { chinaDateCn } from './china-time.ts';
import type { Upstream } from './control.ts';
import { jsonReply, parseForm, isRecord, type Reply, type SimRequest } from './http.ts';
import { matchesKeyword, pageOf } from './paging.ts';
import { plainYuan, type WorldPrice } from './pricing.ts';
import { SIM_CREDENTIALS, type GuiyangDetail, type GuiyangGatewayInner, type GuiyangListEnvelope, type GuiyangListItem } from './wire.ts';
import { FREQUENCY_ZH, OPENNESS_ZH, sectorIndex, sectorName } from './wording.ts';
import type { WorldDetail } from './details.ts';
import type { ExchangeListing, ExchangeSimulator, World } from './world-types.ts';

export interface GuiyangListing extends ExchangeListing {
  exchange: 'guiyang';
  serviceId: number;
}

declare module './world-types.ts' {
  interface ExchangeListings {
    guiyang: GuiyangListing;
  }
}

/** Guiyang's part of the world: serviceIds that grow with creation time, with gaps where products were withdrawn. */
export const simulator: ExchangeSimulator<GuiyangListing> = {
  id: 'guiyang',
  world: {
    size: 2018,
    founding: true,
    content: {
      coverage: [
        ['guizhou', 25],
        ['guiyang', 15],
        ['national', 20],
        ['chengdu', 8],
        ['beijing', 6],
        ['shanghai', 6],
        ['guangdong', 5],
        ['shenzhen', 5],
        ['zhejiang', 4],
        ['hangzhou', 3],
        ['yangtzeDelta', 3],
      ],
      subFenAllowed: true,
      statusMix: () => 'default',
    },
    identify(rng, bodies, owners, identity) {
      const order = [...bodies.keys()].sort((a, b) => bodies[a].createdAtMs - bodies[b].createdAtMs);
      let serviceId = 100;
      const listings = order.map((i): GuiyangListing => {
        serviceId += rng.weighted([
          [1, 8],
          [2, 3],
          [3, 1],
        ]);
        return { ...bodies[i], ...identity(String(serviceId), owners[i]), exchange: 'guiyang', serviceId };
      });
      return { listings };
    },
  },
  detailStyle: {
    registrationCertNo: (seq, year) => `GBDEx-DJ-${year}-${String(seq).padStart(5, '0')}`,
    ipOffice: { issuer: '贵州省知识产权局', abbr: '黔' },
  },
};

export const GUIYANG_MAX_PAGE_SIZE = 200;
export const GUIYANG_DEFAULT_PAGE_SIZE = 20;
/** dataDomains ids 491..510 are sections A..T. */
export const GUIYANG_FIRST_DOMAIN_ID = 491;
export const GUIYANG_DETAIL_INTERFACE = 'dataShop.detail';

export interface GuiyangOptions {
  appId?: string;
  appSecret?: string;
}

const SERVICE_TYPE: Record<ProductType, string> = { DATASET: '数据集', API_SERVICE: 'API接口', REPORT: '分析报告', MODEL: '模型', TOOL: '工具' };
const STATUS: Record<ListingStatus, string> = { REGISTERED: '待审核', PUBLICIZING: '公示中', LISTED: '已上架', DELISTED: '已下架' };
const DELIVER_WAY: Record<DeliveryMethod, string> = { API: 'API', FILE: '文件', SANDBOX: '沙箱', PRIVACY_COMPUTING: '隐私计算', OFFLINE: '线下' };

function safeLevel(level: DataLevel, grade: number | null): string {
  if (level === 'IMPORTANT') return '重要';
  if (level === 'CORE') return '核心';
  return `一般${grade ?? 1}级`;
}

/** Free text: "0.05元/次", "3000元/月", "5元/千条", "50000元", "按需收费", "免费". */
export function guiyangPriceText(price: WorldPrice): string {
  if (price.model === 'NEGOTIABLE' || price.yuan === null) return '按需收费';
  if (price.model === 'FREE') return '免费';
  return `${plainYuan(price.yuan)}元${price.unit ? `/${price.unit}` : ''}`;
}

export function toGuiyangListItem(listing: GuiyangListing): GuiyangListItem {
  const { classification: c } = listing;
  return {
    serviceId: listing.serviceId,
    serviceName: listing.title,
    serviceNameEn: listing.titleEn,
    serviceDesc: listing.description,
    ServiceType: SERVICE_TYPE[listing.productType],
    sectors_name: listing.sectors.map(sectorName).join(','),
    dataDomains: listing.sectors.map((s) => GUIYANG_FIRST_DOMAIN_ID + sectorIndex(s)).join(','),
    scenes: listing.scenarios.join(','),
    tags: listing.keywords.join(','),
    providerName: listing.providerName,
    ProviderUSCC: listing.providerCode,
    priceDesc: guiyangPriceText(listing.headlinePrice),
    safeLevel: safeLevel(c.level, c.grade),
    personalInfo: c.containsPersonalInfo ? '是' : '否',
    sensitiveInfo: c.sensitivePersonalInfo ? '是' : '否',
    openLevel: OPENNESS_ZH[c.openness],
    status: STATUS[listing.status],
    updateDate: chinaDateCn(listing.updatedAtMs),
  };
}

export function toGuiyangDetail(listing: GuiyangListing, detail: WorldDetail): GuiyangDetail {
  const cert = detail.certificates[0];
  const sample = detail.sample;
  return {
    serviceId: listing.serviceId,
    priceItems: detail.pricing.map((p) => ({ desc: guiyangPriceText(p) })),
    deliverWay: detail.delivery.map((d) => DELIVER_WAY[d.method]).join(','),
    dataFormat: detail.delivery.find((d) => d.format !== null)?.format ?? null,
    certificateNo: cert?.number ?? null,
    certificateOrg: cert?.issuer ?? null,
    certificateDate: cert ? chinaDateCn(cert.issuedAtMs) : null,
    refreshRate: detail.updateFrequency === null ? null : FREQUENCY_ZH[detail.updateFrequency],
    sampleJson: sample ? JSON.stringify(sample.rows.map((row) => Object.fromEntries(sample.columns.map((col, i) => [col, row[i] ?? null])))) : null,
  };
}

/**
 * Uppercase hex MD5 of appSecret + every form parameter except `sign`, sorted by name, as
 * `k=v` joined by "&" + appSecret. Values are the decoded form values.
 */
export function guiyangSign(appSecret: string, params: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5')
    .update(appSecret + canonical + appSecret, 'utf8')
    .digest('hex')
    .toUpperCase();
}

const listError = (errMsg: string): Reply => jsonReply({ success: 0, errMsg } satisfies GuiyangListEnvelope);

/** The gateway's outer reply: HTTP 200 and code 200 whatever happened; the truth is inside. */
function gatewayReply(inner: GuiyangGatewayInner): Reply {
  return jsonReply({ code: 200, msg: 'ok', data: JSON.stringify(inner) });
}

const gatewayFormError = (msg: string): Reply => jsonReply({ code: 400, msg, data: null });

/** A positive page/size number from the query; undefined when absent, null when malformed. */
function queryNumber(value: string | null): number | undefined | null {
  if (value === null || value.trim() === '') return undefined;
  return /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : null;
}

/** The uniform factory simulators/index.ts starts this simulator with (exchange-simulators.generated.ts). */
export function createUpstream(world: World): Upstream {
  return guiyangUpstream(world);
}

export function guiyangUpstream(world: World, options: GuiyangOptions = {}): Upstream {
  const appId = options.appId ?? SIM_CREDENTIALS.guiyang.appId;
  const appSecret = options.appSecret ?? SIM_CREDENTIALS.guiyang.appSecret;
  const items = world.listings.guiyang.map((listing) => ({ item: toGuiyangListItem(listing), domains: listing.sectors.map((s) => GUIYANG_FIRST_DOMAIN_ID + sectorIndex(s)) }));
  const byServiceId = new Map(world.listings.guiyang.map((l) => [l.serviceId, l]));

  function list(req: SimRequest): Reply {
    const page = queryNumber(req.query.get('page'));
    const size = queryNumber(req.query.get('size'));
    if (page === null) return listError('参数page格式错误');
    if (size === null) return listError('参数size格式错误');
    // Only the plural `dataDomains` is read; `dataDomain` falls through unnoticed.
    const domainsParam = req.query.get('dataDomains')?.trim() ?? '';
    const domains = domainsParam === '' ? [] : domainsParam.split(',').map((d) => d.trim());
    if (!domains.every((d) => /^\d{1,6}$/.test(d))) return listError('参数dataDomains格式错误');
    const wanted = domains.map(Number);
    const keyword = req.query.get('keyword') ?? '';

    const current = Math.max(1, page ?? 1);
    const pageSize = Math.min(size ? size : GUIYANG_DEFAULT_PAGE_SIZE, GUIYANG_MAX_PAGE_SIZE);
    const matching = items
      .filter(
        ({ item, domains: own }) =>
          (wanted.length === 0 || own.some((d) => wanted.includes(d))) && matchesKeyword(keyword, [item.serviceName, item.serviceNameEn, item.serviceDesc, item.tags, item.providerName]),
      )
      .map(({ item }) => item);
    const result = pageOf(matching, current, pageSize);
    return jsonReply({ success: 1, data: result.items, total: result.total, page: current } satisfies GuiyangListEnvelope);
  }

  function gateway(req: SimRequest): Reply {
    const form = parseForm(req.body);
    const params: Record<string, string> = {};
    for (const [k, v] of form) if (!(k in params)) params[k] = v;
    for (const required of ['app_id', 'interface_id', 'timestamp', 'biz_content', 'sign']) {
      if (!params[required]) return gatewayFormError(`缺少参数: ${required}`);
    }
    if (params.app_id !== appId || params.sign.toUpperCase() !== guiyangSign(appSecret, params)) {
      return gatewayReply({ code: 'E401', msg: '签名错误', data: null });
    }
    if (params.interface_id !== GUIYANG_DETAIL_INTERFACE) return gatewayFormError(`不支持的接口: ${params.interface_id}`);
    let biz: unknown;
    try {
      biz = JSON.parse(params.biz_content);
    } catch {
      return gatewayFormError('biz_content 不是合法的JSON');
    }
    const serviceId = isRecord(biz) ? Number(biz.serviceId) : NaN;
    if (!Number.isSafeInteger(serviceId)) return gatewayFormError('biz_content.serviceId 缺失或格式错误');
    const listing = byServiceId.get(serviceId);
    if (!listing) return gatewayReply({ code: 'E404', msg: '服务不存在', data: null });
    return gatewayReply({ code: '1', msg: '成功', data: toGuiyangDetail(listing, world.detailOf(listing)) });
  }

  return {
    name: 'guiyang',
    routes: [
      { method: 'GET', pattern: '/apaas/serviceapp/v3/servicemarket/dataShop/list', handler: list },
      { method: 'POST', pattern: '/interface/gateway.do', handler: gateway },
    ],
    errorReply: (route) => (route?.pattern === '/interface/gateway.do' ? gatewayReply({ code: 'E500', msg: '系统繁忙', data: null }) : listError('系统繁忙')),
    notFoundReply: () => jsonReply({ success: 0, errMsg: '404 Not Found' } satisfies GuiyangListEnvelope, 404),
  };
}

// Beijing exchange (BJIDEX style): the list call with its paging quirks and HTTP-200 errors, and
// the HMAC-signed detail call, rendered from the canonical world into wire.ts shapes.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DataLevel, DeliveryMethod, ListingStatus, PricingModel, ProductType } from '../subgraphs/common/model.ts';
import { chinaDate, chinaDateTime } from './china-time.ts';
import type { Upstream } from './control.ts';
import { isRecord, jsonReply, parseJson, type Reply, type SimRequest } from './http.ts';
import { matchesKeyword, pageOf, wholeNumber } from './paging.ts';
import type { WorldPrice } from './pricing.ts';
import { SIM_CREDENTIALS, type BeijingDetail, type BeijingEnvelope, type BeijingListItem, type BeijingPage } from './wire.ts';
import { FREQUENCY_ZH, OPENNESS_ZH, sectorIndex } from './wording.ts';
import type { Rng } from './random.ts';
import type { ExchangeListing, ExchangeSimulator, World } from './world-types.ts';
import type { WorldDetail } from './details.ts';

export interface BeijingListing extends ExchangeListing {
  exchange: 'beijing';
  /** 32 lowercase hex characters. */
  uuid: string;
}

declare module './world-types.ts' {
  interface ExchangeListings {
    beijing: BeijingListing;
  }
}

function hex32(rng: Rng): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += rng.uint32().toString(16).padStart(8, '0');
  return out;
}

/** Beijing's part of the world: random product uuids, the mall's newest-first order. */
export const simulator: ExchangeSimulator<BeijingListing> = {
  id: 'beijing',
  world: {
    size: 2400,
    founding: true,
    content: {
      coverage: [
        ['beijing', 40],
        ['jingjinji', 8],
        ['national', 20],
        ['shanghai', 4],
        ['guangdong', 5],
        ['shenzhen', 5],
        ['zhejiang', 4],
        ['hangzhou', 3],
        ['guizhou', 3],
        ['chengdu', 3],
        ['yangtzeDelta', 5],
      ],
      subFenAllowed: true,
      statusMix: () => 'default',
    },
    identify(rng, bodies, owners, identity) {
      const used = new Set<string>();
      const listings = owners.map((owner, i): BeijingListing => {
        let uuid = hex32(rng);
        while (used.has(uuid)) uuid = hex32(rng);
        used.add(uuid);
        return { ...bodies[i], ...identity(uuid, owner), exchange: 'beijing', uuid };
      });
      // The mall lists newest first.
      return { listings: listings.sort((a, b) => b.createdAtMs - a.createdAtMs || (a.uuid < b.uuid ? -1 : 1)) };
    },
  },
  detailStyle: {
    registrationCertNo: (seq, year) => `京数交登字〔${year}〕第${String(seq).padStart(5, '0')}号`,
    ipOffice: { issuer: '北京市知识产权局', abbr: '京' },
  },
};

export const BEIJING_MAX_PAGE_SIZE = 500;
export const BEIJING_DEFAULT_PAGE_SIZE = 10;
/** How far X-Timestamp may be from the simulator's clock. */
export const BEIJING_SIGNATURE_WINDOW_MS = 5 * 60_000;

export interface BeijingOptions {
  appKey?: string;
  appSecret?: string;
  /** Clock for the signature window (tests). */
  now?: () => number;
}

/** lowercase hex HMAC-SHA256(appSecret, `${appKey}\n${timestamp}\nGET\n${path}`), as wire.ts specifies. */
export function beijingSignature(appSecret: string, appKey: string, timestamp: string, path: string): string {
  return createHmac('sha256', appSecret).update(`${appKey}\n${timestamp}\nGET\n${path}`).digest('hex');
}

const GOODS_TYPE: Record<ProductType, number> = { DATASET: 1, API_SERVICE: 2, REPORT: 3, MODEL: 4, TOOL: 5 };
const GOODS_STATUS: Record<ListingStatus, string> = { REGISTERED: '已登记', PUBLICIZING: '公示中', LISTED: '已上架', DELISTED: '已下架' };
const DATA_LEVEL: Record<DataLevel, string> = { GENERAL: '一般数据', IMPORTANT: '重要数据', CORE: '核心数据' };
const PRICE_UNIT: Record<PricingModel, string> = { PER_CALL: '元/次', PER_RECORD: '元/千条', MONTHLY: '元/月', YEARLY: '元/年', ONE_TIME: '元', NEGOTIABLE: '', FREE: '' };
const PRICE_TYPE: Record<PricingModel, string> = { PER_CALL: '按次', PER_RECORD: '按条', MONTHLY: '包月', YEARLY: '包年', ONE_TIME: '一次性', NEGOTIABLE: '面议', FREE: '免费' };
const DELIVERY_MODE: Record<DeliveryMethod, string> = { API: 'API', FILE: '文件下载', SANDBOX: '数据沙箱', PRIVACY_COMPUTING: '隐私计算', OFFLINE: '线下交付' };

function listPrice(price: WorldPrice): string {
  return price.yuan ?? '面议';
}

export function toBeijingListItem(listing: BeijingListing): BeijingListItem {
  const { classification: c } = listing;
  return {
    uuid: listing.uuid,
    goodsName: listing.title,
    goodsNameEn: listing.titleEn,
    goodsDesc: listing.description,
    goodsType: GOODS_TYPE[listing.productType],
    goodsStatus: GOODS_STATUS[listing.status],
    goodsIndustry: sectorIndex(listing.sectors[0]),
    goodsArea: `${listing.zone}专区`,
    goodsTags: listing.keywords.join(','),
    sceneNames: listing.scenarios.slice(),
    supplierName: listing.providerName,
    supplierCreditCode: listing.providerCode,
    price: listPrice(listing.headlinePrice),
    priceUnit: PRICE_UNIT[listing.headlinePrice.model],
    dataLevel: DATA_LEVEL[c.level],
    dataGrade: c.grade,
    hasPersonalInfo: c.containsPersonalInfo ? 1 : 0,
    hasSensitiveInfo: c.sensitivePersonalInfo ? 1 : 0,
    openType: OPENNESS_ZH[c.openness],
    updateTime: chinaDateTime(listing.updatedAtMs),
    createTime: chinaDateTime(listing.createdAtMs),
  };
}

export function toBeijingDetail(listing: BeijingListing, detail: WorldDetail): BeijingDetail {
  return {
    uuid: listing.uuid,
    priceList: detail.pricing.map((p) => ({ priceType: PRICE_TYPE[p.model], price: p.yuan ?? '', priceUnit: PRICE_UNIT[p.model] })),
    deliveryModes: detail.delivery.map((d) => ({ mode: DELIVERY_MODE[d.method], format: d.format, remark: d.remark })),
    certificates: detail.certificates.map((c) => ({ certNo: c.number, issueOrg: c.issuer, issueDate: chinaDate(c.issuedAtMs), certType: c.kind })),
    updateFrequency: detail.updateFrequency === null ? null : FREQUENCY_ZH[detail.updateFrequency],
    sample: detail.sample ? { headers: detail.sample.columns.slice(), rows: detail.sample.rows.map((r) => r.slice()) } : null,
  };
}

function envelope<T>(code: number, msg: string, data: T | null, status = 200): Reply {
  const body: BeijingEnvelope<T> = { code, msg, data };
  return jsonReply(body, status);
}

const badRequest = (msg: string): Reply => envelope(400, msg, null);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The uniform factory simulators/index.ts starts this simulator with (exchange-simulators.generated.ts). */
export function createUpstream(world: World): Upstream {
  return beijingUpstream(world);
}

export function beijingUpstream(world: World, options: BeijingOptions = {}): Upstream {
  const appKey = options.appKey ?? SIM_CREDENTIALS.beijing.appKey;
  const appSecret = options.appSecret ?? SIM_CREDENTIALS.beijing.appSecret;
  const now = options.now ?? Date.now;
  const items = world.listings.beijing.map(toBeijingListItem);
  const byUuid = new Map(world.listings.beijing.map((l) => [l.uuid, l]));

  function list(req: SimRequest): Reply {
    const parsed = req.body.trim() === '' ? { ok: true as const, value: {} } : parseJson(req.body);
    if (!parsed.ok || !isRecord(parsed.value)) return badRequest('请求参数格式错误');
    const body = parsed.value;
    // Only pageNo pages; a `pageNum` field is simply not read, so such callers get page 1.
    const pageNo = wholeNumber(body.pageNo, 1);
    const pageSize = wholeNumber(body.pageSize, BEIJING_DEFAULT_PAGE_SIZE);
    const industry = wholeNumber(body.goodsIndustry, -1);
    if (pageNo === null || pageSize === null || industry === null) return badRequest('请求参数格式错误');
    if (body.goodsArea != null && typeof body.goodsArea !== 'string') return badRequest('请求参数格式错误');
    if (body.keyword != null && typeof body.keyword !== 'string') return badRequest('请求参数格式错误');
    const area = body.goodsArea as string | undefined | null;
    const keyword = body.keyword as string | undefined | null;

    const size = pageSize < 1 ? BEIJING_DEFAULT_PAGE_SIZE : Math.min(pageSize, BEIJING_MAX_PAGE_SIZE);
    const current = Math.max(1, pageNo);
    const matching = items.filter(
      (item) =>
        (industry < 0 || item.goodsIndustry === industry) &&
        (!area || item.goodsArea === area) &&
        (!keyword || matchesKeyword(keyword, [item.goodsName, item.goodsNameEn, item.goodsDesc, item.goodsTags, item.supplierName])),
    );
    const page = pageOf(matching, current, size);
    const data: BeijingPage = { records: page.items, total: page.total, size, current, pages: page.pages };
    return envelope(0, 'success', data);
  }

  function detail(req: SimRequest): Reply {
    const key = req.headers['x-app-key'];
    const timestamp = req.headers['x-timestamp'];
    const sign = req.headers['x-sign'];
    const unauthorized = envelope(401, '签名无效', null, 401);
    if (typeof key !== 'string' || typeof timestamp !== 'string' || typeof sign !== 'string') return unauthorized;
    if (key !== appKey || !/^\d{1,16}$/.test(timestamp)) return unauthorized;
    if (Math.abs(now() - Number(timestamp)) > BEIJING_SIGNATURE_WINDOW_MS) return unauthorized;
    if (!safeEqual(sign.toLowerCase(), beijingSignature(appSecret, appKey, timestamp, req.rawPath))) return unauthorized;

    const listing = byUuid.get(req.params.uuid);
    if (!listing) return envelope(404, '商品不存在', null);
    return envelope(0, 'success', toBeijingDetail(listing, world.detailOf(listing)));
  }

  return {
    name: 'beijing',
    routes: [
      { method: 'POST', pattern: '/product/api/productIndex/getProductList', handler: list },
      { method: 'GET', pattern: '/product/api/detail/:uuid', handler: detail },
    ],
    errorReply: () => envelope(500, '系统繁忙', null),
    notFoundReply: () => envelope(404, '接口不存在', null, 404),
  };
}

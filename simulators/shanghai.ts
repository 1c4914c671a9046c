// Shanghai exchange (SDE style): OAuth client-credentials tokens that expire, the search call
// (pageSize capped at 100, two colliding id spaces, ids as raw 19-digit JSON numbers) and the
// batch detail call of at most 50 keys.

import { randomBytes } from 'node:crypto';
import { isInteger, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import type { DataLevel, DeliveryMethod, ListingStatus, Openness, PricingModel, ProductType } from '../subgraphs/common/model.ts';
import type { Upstream, UpstreamOptions } from './control.ts';
import { isRecord, jsonReply, jsonTextReply, parseForm, type Parsed, type Reply, type SimRequest } from './http.ts';
import { matchesKeyword, pageOf, wholeNumber } from './paging.ts';
import { integerFen } from './pricing.ts';
import { SIM_CREDENTIALS, type ShanghaiDetail, type ShanghaiEnvelope, type ShanghaiListItem, type ShanghaiPage } from './wire.ts';
import { sectorName } from './wording.ts';
import type { WorldDetail } from './details.ts';
import type { Rng } from './random.ts';
import type { ExchangeListing, ExchangeSimulator, World } from './world-types.ts';

export interface ShanghaiListing extends ExchangeListing {
  exchange: 'shanghai';
  /** 1 = 已登记 registered, 2 = 可交易 tradable. */
  serviceType: 1 | 2;
  /** 19-digit snowflake, above 2^53; unique within its serviceType only. */
  snowflakeId: bigint;
}

declare module './world-types.ts' {
  interface ExchangeListings {
    shanghai: ShanghaiListing;
  }
}

/** Share of Shanghai listings in the registered id space (serviceType 1); the rest are tradable. */
export const SHANGHAI_REGISTERED_SHARE = 0.4;
/** Share of registered Shanghai ids that deliberately equal a tradable id. */
export const SHANGHAI_COLLISION_SHARE = 0.25;

/** Twitter-style snowflake epoch: ids created in 2024 start with 178…/179…. */
const SNOWFLAKE_EPOCH_MS = 1288834974657n;

function snowflake(rng: Rng, createdAtMs: number): bigint {
  return ((BigInt(createdAtMs) - SNOWFLAKE_EPOCH_MS) << 22n) | (BigInt(rng.int(0, 1023)) << 12n) | BigInt(rng.int(0, 4095));
}

const registeredCount = (n: number): number => Math.round(n * SHANGHAI_REGISTERED_SHARE);

/**
 * Shanghai's part of the world: two id spaces (registered listings first, then tradable), some
 * registered ids deliberately equal to a tradable one, each space newest first; whole-fen prices.
 */
export const simulator: ExchangeSimulator<ShanghaiListing> = {
  id: 'shanghai',
  world: {
    size: 3000,
    founding: true,
    content: {
      coverage: [
        ['shanghai', 30],
        ['yangtzeDelta', 12],
        ['national', 20],
        ['zhejiang', 8],
        ['hangzhou', 6],
        ['beijing', 6],
        ['guangdong', 5],
        ['shenzhen', 5],
        ['chengdu', 3],
        ['guizhou', 2],
        ['jingjinji', 3],
      ],
      subFenAllowed: false,
      statusMix: (i, n) => (i < registeredCount(n) ? 'registered-space' : 'tradable-space'),
    },
    identify(rng, bodies, owners, identity) {
      const count = owners.length;
      const registeredTotal = registeredCount(count);
      const tradableIds = new Set<bigint>();
      const tradable: ShanghaiListing[] = [];
      for (let i = registeredTotal; i < count; i++) {
        let id = snowflake(rng, bodies[i].createdAtMs);
        while (tradableIds.has(id)) id = snowflake(rng, bodies[i].createdAtMs);
        tradableIds.add(id);
        tradable.push({ ...bodies[i], ...identity(`tradable:${id}`, owners[i]), exchange: 'shanghai', serviceType: 2, snowflakeId: id });
      }

      // Deliberate collisions: some registered listings reuse a tradable listing's id (and so its
      // creation instant), which is why the key is (serviceType, id).
      const collisionSources = rng.sample(tradable, Math.round(registeredTotal * SHANGHAI_COLLISION_SHARE));
      const registeredIds = new Set<bigint>();
      const registered: ShanghaiListing[] = [];
      for (let i = 0; i < registeredTotal; i++) {
        const body = bodies[i];
        const source = collisionSources[i];
        let id: bigint;
        if (source) {
          id = source.snowflakeId;
          body.createdAtMs = source.createdAtMs;
          body.updatedAtMs = Math.max(body.updatedAtMs, body.createdAtMs);
        } else {
          do id = snowflake(rng, body.createdAtMs);
          while (tradableIds.has(id) || registeredIds.has(id));
        }
        registeredIds.add(id);
        registered.push({ ...body, ...identity(`registered:${id}`, owners[i]), exchange: 'shanghai', serviceType: 1, snowflakeId: id });
      }
      const newestFirst = (a: ShanghaiListing, b: ShanghaiListing): number => (a.snowflakeId < b.snowflakeId ? 1 : a.snowflakeId > b.snowflakeId ? -1 : 0);
      registered.sort(newestFirst);
      tradable.sort(newestFirst);
      const collidingIds = collisionSources.map((s) => s.snowflakeId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { listings: [...registered, ...tradable], collidingIds };
    },
  },
  detailStyle: {
    registrationCertNo: (seq, year) => `SDE-DJ-${year}-${String(seq).padStart(6, '0')}`,
    ipOffice: { issuer: '上海市知识产权局', abbr: '沪' },
  },
};

export const SHANGHAI_MAX_PAGE_SIZE = 100;
export const SHANGHAI_DEFAULT_PAGE_SIZE = 10;
export const SHANGHAI_MAX_BATCH_KEYS = 50;
export const SHANGHAI_DEFAULT_TOKEN_TTL_SECONDS = 300;

export interface ShanghaiOptions {
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime in seconds (default 300); fractions and 0 allowed so tests can force expiry. */
  tokenTtlSeconds?: number;
  now?: () => number;
}

const PRODUCT_TYPE: Record<ProductType, string> = { DATASET: '数据集', API_SERVICE: '数据服务', REPORT: '数据报告', MODEL: '算法模型', TOOL: '数据工具' };
const CHARGE_MODE: Record<PricingModel, string> = { PER_CALL: '按次', PER_RECORD: '按条', MONTHLY: '按月', YEARLY: '按年', ONE_TIME: '一次性', NEGOTIABLE: '面议', FREE: '免费' };
const DATA_LEVEL: Record<DataLevel, string> = { GENERAL: '一般', IMPORTANT: '重要', CORE: '核心' };
const ACCESS_RIGHTS: Record<Openness, string> = { UNCONDITIONAL: 'PUBLIC', CONDITIONAL: 'RESTRICTED', NOT_OPEN: 'NON_PUBLIC' };
const STATUS: Record<ListingStatus, string> = { REGISTERED: '登记', PUBLICIZING: '公示', LISTED: '挂牌', DELISTED: '下架' };
const DELIVERY: Record<DeliveryMethod, string> = { API: 'API', FILE: 'FILE', SANDBOX: 'SANDBOX', PRIVACY_COMPUTING: 'MPC', OFFLINE: 'OFFLINE' };

export function toShanghaiListItem(listing: ShanghaiListing): ShanghaiListItem {
  const { classification: c } = listing;
  return {
    id: listing.snowflakeId,
    serviceType: listing.serviceType,
    productName: listing.title,
    productNameEn: listing.titleEn,
    intro: listing.description,
    productType: PRODUCT_TYPE[listing.productType],
    sectorName: listing.sectors.map(sectorName),
    zoneName: [`${listing.zone}板块`],
    aiTag: listing.keywords.slice(0, 3),
    sceneTags: listing.scenarios.slice(),
    companyName: listing.providerName,
    creditCode: listing.providerCode,
    priceFen: integerFen(listing.headlinePrice),
    chargeMode: CHARGE_MODE[listing.headlinePrice.model],
    dataLevel: DATA_LEVEL[c.level],
    dataGrade: c.grade,
    piFlag: c.containsPersonalInfo,
    spiFlag: c.sensitivePersonalInfo,
    accessRights: ACCESS_RIGHTS[c.openness],
    status: STATUS[listing.status],
    updateTime: listing.updatedAtMs,
  };
}

export function toShanghaiDetail(listing: ShanghaiListing, detail: WorldDetail): ShanghaiDetail {
  return {
    id: listing.snowflakeId,
    serviceType: listing.serviceType,
    plans: detail.pricing.map((p) => ({
      chargeMode: CHARGE_MODE[p.model],
      priceFen: integerFen(p),
      unit: p.unit,
      remark: p.model === 'NEGOTIABLE' ? '请联系供应商洽谈' : null,
    })),
    deliveries: detail.delivery.map((d) => ({ type: DELIVERY[d.method], format: d.format, remark: d.remark })),
    certs: detail.certificates.map((c) => ({ certNo: c.number, issuer: c.issuer, issuedAt: c.issuedAtMs, kind: c.kind })),
    updateCycle: detail.updateFrequency,
    sampleData: detail.sample ? { columns: detail.sample.columns.slice(), data: detail.sample.rows.map((r) => r.slice()) } : null,
  };
}

/** JSON text with bigint ids written as raw numbers, the way the real API does. */
function envelope<T>(code: number, message: string, data: T | null, status = 200): Reply {
  const body: ShanghaiEnvelope<T> = { code, message, data };
  return jsonTextReply(stringifyLossless(body) ?? 'null', status);
}

/** Integers beyond 2^53 become bigint (exact); every other number stays a plain number. */
function exactNumber(text: string): number | bigint {
  const value = Number(text);
  return isInteger(text) && !Number.isSafeInteger(value) ? BigInt(text) : value;
}

/** Parses request JSON keeping 64-bit integers exact, so ids sent as raw numbers survive. */
function parseBody(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: parseLossless(text, undefined, exactNumber) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** A snowflake id sent as a digit string, a raw JSON number, or (small) plain number. */
function snowflakeOf(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value.trim())) return BigInt(value.trim());
  return null;
}

/** The uniform factory simulators/index.ts starts this simulator with (exchange-simulators.generated.ts). */
export function createUpstream(world: World, options: UpstreamOptions = {}): Upstream {
  return shanghaiUpstream(world, { tokenTtlSeconds: options.tokenTtlSeconds });
}

export function shanghaiUpstream(world: World, options: ShanghaiOptions = {}): Upstream {
  const clientId = options.clientId ?? SIM_CREDENTIALS.shanghai.clientId;
  const clientSecret = options.clientSecret ?? SIM_CREDENTIALS.shanghai.clientSecret;
  const ttlSeconds = options.tokenTtlSeconds ?? SHANGHAI_DEFAULT_TOKEN_TTL_SECONDS;
  const now = options.now ?? Date.now;
  const tokens = new Map<string, number>(); // token → expiry (epoch ms)

  const spaces = new Map<number, Array<{ item: ShanghaiListItem; listing: ShanghaiListing }>>([
    [1, []],
    [2, []],
  ]);
  const byKey = new Map<string, ShanghaiListing>();
  for (const listing of world.listings.shanghai) {
    spaces.get(listing.serviceType)!.push({ item: toShanghaiListItem(listing), listing });
    byKey.set(`${listing.serviceType}:${listing.snowflakeId}`, listing);
  }

  const badRequest = (message: string): Reply => envelope(400, message, null);
  const expired = (): Reply => envelope(401, 'token expired', null, 401);

  function authorised(req: SimRequest): boolean {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^bearer\s+(\S+)$/i.exec(header.trim()) : null;
    if (!match) return false;
    const expiry = tokens.get(match[1]);
    if (expiry === undefined) return false;
    if (now() >= expiry) {
      tokens.delete(match[1]);
      return false;
    }
    return true;
  }

  function issueToken(req: SimRequest): Reply {
    // OAuth clients send a form; the SDE gateway also takes JSON.
    let fields: Record<string, unknown>;
    if (req.body.trim().startsWith('{')) {
      const parsed = parseBody(req.body);
      if (!parsed.ok || !isRecord(parsed.value)) return envelope(400, 'invalid_request', null, 400);
      fields = parsed.value;
    } else {
      fields = Object.fromEntries(parseForm(req.body));
    }
    if (fields.grant_type !== 'client_credentials') return envelope(400, 'unsupported_grant_type', null, 400);
    if (fields.client_id !== clientId || fields.client_secret !== clientSecret) return envelope(401, 'invalid_client', null, 401);
    const issuedAt = now();
    for (const [token, expiry] of tokens) if (expiry <= issuedAt) tokens.delete(token);
    const token = randomBytes(24).toString('hex');
    tokens.set(token, issuedAt + ttlSeconds * 1000);
    return jsonReply({ access_token: token, token_type: 'bearer', expires_in: ttlSeconds });
  }

  function search(req: SimRequest): Reply {
    if (!authorised(req)) return expired();
    const parsed = parseBody(req.body);
    if (!parsed.ok || !isRecord(parsed.value)) return badRequest('请求体格式错误');
    const body = parsed.value;
    const pageNum = wholeNumber(body.pageNum, 1);
    const pageSize = wholeNumber(body.pageSize, SHANGHAI_DEFAULT_PAGE_SIZE);
    if (pageNum === null || pageSize === null) return badRequest('pageNum/pageSize 必须为整数');
    const space = spaces.get(wholeNumber(body.serviceType, 0) ?? 0);
    if (!space) return badRequest('serviceType 必须为 1（已登记）或 2（可交易）');
    const sectorFilter = typeof body.sectorName === 'string' ? [body.sectorName] : Array.isArray(body.sectorName) ? body.sectorName : [];
    if (body.sectorName != null && !sectorFilter.every((s) => typeof s === 'string')) return badRequest('sectorName 格式错误');
    if (body.search != null && typeof body.search !== 'string') return badRequest('search 格式错误');
    const sectors = (sectorFilter as string[]).map((s) => s.trim()).filter(Boolean);
    const text = body.search as string | undefined | null;

    const size = pageSize < 1 ? SHANGHAI_DEFAULT_PAGE_SIZE : Math.min(pageSize, SHANGHAI_MAX_PAGE_SIZE);
    const current = Math.max(1, pageNum);
    const matching = space
      .filter(
        ({ item }) =>
          (sectors.length === 0 || item.sectorName.some((n) => sectors.includes(n))) &&
          (!text || matchesKeyword(text, [item.productName, item.productNameEn, item.intro, item.companyName, ...item.aiTag])),
      )
      .map(({ item }) => item);
    const page = pageOf(matching, current, size);
    const data: ShanghaiPage = { list: page.items, total: page.total, totalPage: page.pages, pageNum: current };
    return envelope(200, 'success', data);
  }

  function batchDetail(req: SimRequest): Reply {
    if (!authorised(req)) return expired();
    const parsed = parseBody(req.body);
    if (!parsed.ok || !isRecord(parsed.value) || !Array.isArray(parsed.value.keys)) return badRequest('请求体格式错误：需要 keys 数组');
    const keys: unknown[] = parsed.value.keys;
    if (keys.length > SHANGHAI_MAX_BATCH_KEYS) return badRequest(`keys 超过上限 ${SHANGHAI_MAX_BATCH_KEYS}`);
    const seen = new Set<string>();
    const list: ShanghaiDetail[] = [];
    for (const [i, key] of keys.entries()) {
      const serviceType = isRecord(key) ? wholeNumber(key.serviceType, 0) : null;
      const id = isRecord(key) ? snowflakeOf(key.id) : null;
      if ((serviceType !== 1 && serviceType !== 2) || id === null) return badRequest(`keys[${i}] 格式错误`);
      const lookup = `${serviceType}:${id}`;
      if (seen.has(lookup)) continue;
      seen.add(lookup);
      const listing = byKey.get(lookup);
      if (listing) list.push(toShanghaiDetail(listing, world.detailOf(listing)));
    }
    return envelope(200, 'success', { list });
  }

  return {
    name: 'shanghai',
    routes: [
      { method: 'POST', pattern: '/oauth/token', handler: issueToken },
      { method: 'POST', pattern: '/dex-api/dex-es/query/all/search', handler: search },
      { method: 'POST', pattern: '/dex-api/product/detail/batch', handler: batchDetail },
    ],
    errorReply: () => envelope(500, '系统繁忙，请稍后重试', null),
    notFoundReply: () => envelope(404, 'Not Found', null, 404),
    reset: () => tokens.clear(),
  };
}

// Shenzhen Data Exchange (SZDE style): the unsigned, 0-based paged list call and the signed,
// rate-limited detail call, rendered from the canonical world.
//
// Wire contract (domain.md "Two more exchanges"; the gaps decided in the plan, §3.2):
// POST /szde/api/sp/list  body JSON {pageNo, pageSize, hyfl?, gjc?}
//   pageNo is 0-BASED (default 0): `pageNo: 1` silently answers the SECOND page. pageSize
//   default 10, silently capped at 50. Unsigned, not rate limited. Answer HTTP 200
//   {code: 200, msg: "成功", data: {rows: [row…], totalCount}}; a malformed body
//   {code: 40000, msg: "参数错误", data: null}.
//   row: spId "SZ" + yyyyMMdd (created, China time) + 6-digit sequence; spMc, spYwmc, spMs;
//   cplx "1" dataset | "2" API | "3" report | "4" model (no tools); sjzt "1" on shelf | "0"
//   withdrawn (withdrawn products stay listed); fbfQyMc, fbfTyshxydm; hyfl one GB/T 4754
//   letter; yycj [scenarios]; gjc keywords ","-joined; sjdj L1 | L2 | L3 (+ sjfj "3"/"4") |
//   L4 (important; no core data listed); kflx "1" 无条件 | "2" 有条件 | "3" 不予开放;
//   sfhgrxx, sfhmggrxx "1"/"0"; xsjg yuan with two decimals ("1280.00"), "-1" negotiable
//   (then no jgdw), jgdw "元/次" | "元/千条" | "元/月" | "元/年" | "元"; gxsj updated, epoch
//   SECONDS; cjsj created, epoch MILLISECONDS. Newest first.
// GET /szde/api/sp/detail?spId=  signed: X-Sz-AppKey, X-Sz-Timestamp (epoch ms, within ±5 min),
//   X-Sz-Sign = hex HMAC-SHA256(appSecret, appKey + timestamp + path + query), query the raw
//   query string without "?" (`spId=SZ…`), no separators. Bad key, signature or timestamp:
//   HTTP 200 {code: 40001, msg: "签名错误", data: null}; unknown spId {code: 40004, msg:
//   "产品不存在", data: null}; else data {spId, jgfa: [{jflx 按次|按条|包月|包年|一次性|面议|免费,
//   xsjg, jgdw}], jffs: [{fs, gs, sm}], hgpg: {zsbh, fzjg, fzrq (epoch ms)} | null (one
//   compliance assessment at most), gxpl 实时|每日|…|null, yl: {bt: [...], sj: [[...]]} | null}.
// Rate limit: calls carrying X-Sz-AppKey (the detail call) are counted per app key in fixed
//   one-second windows; above `callsPerSecond` (option, default 5; 0 = no limit) the answer is
//   HTTP 429 with Retry-After: 1 and {code: 429, msg: "请求过于频繁", data: null}.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DataLevel, DeliveryMethod, PricingModel, ProductType } from '../subgraphs/common/model.ts';
import { chinaDate, chinaEpochMs, chinaYear } from './china-time.ts';
import type { Upstream, UpstreamOptions } from './control.ts';
import type { WorldDetail } from './details.ts';
import { isRecord, jsonReply, parseJson, type Reply, type SimRequest } from './http.ts';
import { matchesKeyword, wholeNumber } from './paging.ts';
import type { WorldPrice } from './pricing.ts';
import { SIM_CREDENTIALS } from './wire.ts';
import { FREQUENCY_ZH } from './wording.ts';
import type { ExchangeListing, ExchangeSimulator, World } from './world-types.ts';

export interface ShenzhenListing extends ExchangeListing {
  exchange: 'shenzhen';
  /** "SZ" + yyyyMMdd + 6 digits. */
  spId: string;
}

declare module './world-types.ts' {
  interface ExchangeListings {
    shenzhen: ShenzhenListing;
  }
}

export interface ShenzhenListItem {
  spId: string;
  spMc: string;
  spYwmc: string;
  spMs: string | null;
  cplx: string;
  sjzt: string;
  fbfQyMc: string;
  fbfTyshxydm: string;
  hyfl: string;
  yycj: string[];
  gjc: string;
  sjdj: string;
  sjfj: string | null;
  kflx: string;
  sfhgrxx: string;
  sfhmggrxx: string;
  xsjg: string;
  jgdw?: string;
  gxsj: number;
  cjsj: number;
}

export interface ShenzhenDetail {
  spId: string;
  jgfa: Array<{ jflx: string; xsjg: string; jgdw?: string }>;
  jffs: Array<{ fs: string; gs: string | null; sm: string | null }>;
  hgpg: { zsbh: string; fzjg: string; fzrq: number } | null;
  gxpl: string | null;
  yl: { bt: string[]; sj: Array<Array<string | null>> } | null;
}

export interface ShenzhenEnvelope<T> {
  code: number;
  msg: string;
  data: T | null;
}

export const SHENZHEN_LIST_PATH = '/szde/api/sp/list';
export const SHENZHEN_DETAIL_PATH = '/szde/api/sp/detail';
export const SHENZHEN_MAX_PAGE_SIZE = 50;
export const SHENZHEN_DEFAULT_PAGE_SIZE = 10;
/** The exchange's limit on signed calls per app key per second. */
export const SHENZHEN_CALLS_PER_SECOND = 5;
/** How far X-Sz-Timestamp may be from the simulator's clock. */
export const SHENZHEN_SIGNATURE_WINDOW_MS = 5 * 60_000;
/** The issuer of Shenzhen's compliance assessments, and their kind. */
export const SHENZHEN_ISSUER = '深圳数据交易所';
export const COMPLIANCE_ASSESSMENT = '合规评估报告';

/** Shenzhen's part of the world: from 2023, no tools or core data, two-decimal yuan; Shenzhen-based providers join readily. */
export const simulator: ExchangeSimulator<ShenzhenListing> = {
  id: 'shenzhen',
  world: {
    size: 1500,
    content: {
      coverage: [
        ['shenzhen', 35],
        ['guangdong', 20],
        ['national', 20],
        ['beijing', 3],
        ['shanghai', 4],
        ['hangzhou', 3],
        ['chengdu', 3],
        ['yangtzeDelta', 4],
      ],
      subFenAllowed: false,
      productTypes: ['DATASET', 'API_SERVICE', 'REPORT', 'MODEL'],
      levels: ['GENERAL', 'IMPORTANT'],
      createdNotBeforeMs: chinaEpochMs(2023, 1, 1),
      statusMix: () => 'tradable-space',
    },
    join: { homeRegions: ['4403'], home: 0.8, byExchangeCount: [0, 0.03, 0.25, 0.85] },
    identify(rng, bodies, owners, identity) {
      // spId: creation day + a per-day sequence that starts somewhere and skips withdrawn drafts.
      const order = [...bodies.keys()].sort((a, b) => bodies[a].createdAtMs - bodies[b].createdAtMs || a - b);
      const seqByDay = new Map<string, number>();
      const listings: ShenzhenListing[] = [];
      for (const i of order) {
        const day = chinaDate(bodies[i].createdAtMs).replaceAll('-', '');
        const seq = (seqByDay.get(day) ?? rng.int(0, 99)) + rng.int(1, 3);
        seqByDay.set(day, seq);
        const spId = `SZ${day}${String(seq).padStart(6, '0')}`;
        listings.push({ ...bodies[i], ...identity(spId, owners[i]), exchange: 'shenzhen', spId });
      }
      // The mall lists newest first.
      return { listings: listings.reverse() };
    },
  },
  detailStyle: {
    registrationCertNo: (seq, year) => `SZDE-DJ-${year}-${String(seq).padStart(6, '0')}`,
    ipOffice: { issuer: '广东省知识产权局', abbr: '粤' },
    // One compliance assessment (hgpg) at most: the only certificate its detail carries.
    certificates(rng, listing, exchangeName) {
      if (!rng.chance(0.7)) return [];
      const at = rng.int(listing.createdAtMs, Math.max(listing.createdAtMs, listing.updatedAtMs));
      return [{ number: `SZDE-HG-${chinaYear(at)}-${String(rng.int(1, 999999)).padStart(6, '0')}`, issuer: exchangeName, issuedAtMs: at, kind: COMPLIANCE_ASSESSMENT }];
    },
  },
  // End-to-end stacks: no rate limit, and the adapter's pace raised with it.
  testSpeed: { upstream: { callsPerSecond: 0 }, settings: { callsPerSecond: '1000' } },
};

const CPLX: Record<ProductType, string> = { DATASET: '1', API_SERVICE: '2', REPORT: '3', MODEL: '4', TOOL: '5' };
const OPENNESS: Record<string, string> = { UNCONDITIONAL: '1', CONDITIONAL: '2', NOT_OPEN: '3' };
const UNIT: Record<PricingModel, string | undefined> = { PER_CALL: '元/次', PER_RECORD: '元/千条', MONTHLY: '元/月', YEARLY: '元/年', ONE_TIME: '元', NEGOTIABLE: undefined, FREE: undefined };
const CHARGE: Record<PricingModel, string> = { PER_CALL: '按次', PER_RECORD: '按条', MONTHLY: '包月', YEARLY: '包年', ONE_TIME: '一次性', NEGOTIABLE: '面议', FREE: '免费' };
const DELIVERY: Record<DeliveryMethod, string> = { API: 'API接口', FILE: '文件下载', SANDBOX: '数据沙箱', PRIVACY_COMPUTING: '隐私计算', OFFLINE: '线下交付' };

function sjdj(level: DataLevel, grade: number | null): { sjdj: string; sjfj: string | null } {
  if (level !== 'GENERAL') return { sjdj: 'L4', sjfj: null };
  if (grade === 1 || grade === 2) return { sjdj: `L${grade}`, sjfj: String(grade) };
  return { sjdj: 'L3', sjfj: String(grade) };
}

function price(p: WorldPrice): { xsjg: string; jgdw?: string } {
  if (p.yuan === null) return { xsjg: '-1' };
  const unit = UNIT[p.model];
  return unit === undefined ? { xsjg: p.yuan } : { xsjg: p.yuan, jgdw: unit };
}

export function toShenzhenListItem(listing: ShenzhenListing): ShenzhenListItem {
  const c = listing.classification;
  return {
    spId: listing.spId,
    spMc: listing.title,
    spYwmc: listing.titleEn,
    spMs: listing.description,
    cplx: CPLX[listing.productType],
    sjzt: listing.status === 'LISTED' ? '1' : '0',
    fbfQyMc: listing.providerName,
    fbfTyshxydm: listing.providerCode,
    hyfl: listing.sectors[0],
    yycj: listing.scenarios.slice(),
    gjc: listing.keywords.join(','),
    ...sjdj(c.level, c.grade),
    kflx: OPENNESS[c.openness],
    sfhgrxx: c.containsPersonalInfo ? '1' : '0',
    sfhmggrxx: c.sensitivePersonalInfo ? '1' : '0',
    ...price(listing.headlinePrice),
    gxsj: Math.floor(listing.updatedAtMs / 1000),
    cjsj: listing.createdAtMs,
  };
}

export function toShenzhenDetail(listing: ShenzhenListing, detail: WorldDetail): ShenzhenDetail {
  const cert = detail.certificates.find((c) => c.kind === COMPLIANCE_ASSESSMENT);
  return {
    spId: listing.spId,
    jgfa: detail.pricing.map((p) => ({ jflx: CHARGE[p.model], ...price(p) })),
    jffs: detail.delivery.map((d) => ({ fs: DELIVERY[d.method], gs: d.format, sm: d.remark })),
    hgpg: cert ? { zsbh: cert.number, fzjg: cert.issuer, fzrq: cert.issuedAtMs } : null,
    gxpl: detail.updateFrequency === null ? null : FREQUENCY_ZH[detail.updateFrequency],
    yl: detail.sample ? { bt: detail.sample.columns.slice(), sj: detail.sample.rows.map((r) => r.slice()) } : null,
  };
}

/** hex HMAC-SHA256(appSecret, appKey + timestamp + path + query), as the contract above says. */
export function shenzhenSignature(appSecret: string, appKey: string, timestamp: string, path: string, query: string): string {
  return createHmac('sha256', appSecret)
    .update(appKey + timestamp + path + query)
    .digest('hex');
}

export interface ShenzhenOptions {
  appKey?: string;
  appSecret?: string;
  /** Signed calls per app key per one-second window (default 5; 0 = no limit). */
  callsPerSecond?: number;
  /** Clock of the signature window and the rate windows (tests). */
  now?: () => number;
}

function envelope<T>(code: number, msg: string, data: T | null, status = 200, headers?: Record<string, string>): Reply {
  const body: ShenzhenEnvelope<T> = { code, msg, data };
  const reply = jsonReply(body, status);
  return headers ? { ...reply, headers: { ...reply.headers, ...headers } } : reply;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function callsPerSecondOption(value: unknown): number {
  if (value === undefined) return SHENZHEN_CALLS_PER_SECOND;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`shenzhen simulator: callsPerSecond must be a number ≥ 0, got ${String(value)}`);
  return value;
}

/** The uniform factory simulators/index.ts starts this simulator with; reads `callsPerSecond`. */
export function createUpstream(world: World, options: UpstreamOptions = {}): Upstream {
  return shenzhenUpstream(world, { callsPerSecond: callsPerSecondOption(options.callsPerSecond) });
}

export function shenzhenUpstream(world: World, options: ShenzhenOptions = {}): Upstream {
  const appKey = options.appKey ?? SIM_CREDENTIALS.shenzhen.appKey;
  const appSecret = options.appSecret ?? SIM_CREDENTIALS.shenzhen.appSecret;
  const limit = callsPerSecondOption(options.callsPerSecond);
  const now = options.now ?? Date.now;
  const items = world.listings.shenzhen.map(toShenzhenListItem);
  const bySpId = new Map(world.listings.shenzhen.map((l) => [l.spId, l]));
  /** Calls in the current one-second window, per app key. */
  let window = -1;
  const calls = new Map<string, number>();

  function list(req: SimRequest): Reply {
    const parsed = req.body.trim() === '' ? { ok: true as const, value: {} } : parseJson(req.body);
    const bad = envelope(40000, '参数错误', null);
    if (!parsed.ok || !isRecord(parsed.value)) return bad;
    const body = parsed.value;
    const pageNo = wholeNumber(body.pageNo, 0);
    const pageSize = wholeNumber(body.pageSize, SHENZHEN_DEFAULT_PAGE_SIZE);
    if (pageNo === null || pageSize === null || pageNo < 0) return bad;
    if (body.hyfl != null && typeof body.hyfl !== 'string') return bad;
    if (body.gjc != null && typeof body.gjc !== 'string') return bad;
    const hyfl = body.hyfl as string | null | undefined;
    const gjc = body.gjc as string | null | undefined;
    const size = pageSize < 1 ? SHENZHEN_DEFAULT_PAGE_SIZE : Math.min(pageSize, SHENZHEN_MAX_PAGE_SIZE);
    const matching = items.filter((item) => (!hyfl || item.hyfl === hyfl) && (!gjc || matchesKeyword(gjc, [item.spMc, item.spYwmc, item.spMs, item.gjc, item.fbfQyMc])));
    return envelope(200, '成功', { rows: matching.slice(pageNo * size, (pageNo + 1) * size), totalCount: matching.length });
  }

  /** True when this call of `key` is over the limit of the current window (counted either way). */
  function overLimit(key: string): boolean {
    if (limit === 0) return false;
    const current = Math.floor(now() / 1000);
    if (current !== window) {
      window = current;
      calls.clear();
    }
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    return n > limit;
  }

  function detail(req: SimRequest): Reply {
    const key = req.headers['x-sz-appkey'];
    const timestamp = req.headers['x-sz-timestamp'];
    const sign = req.headers['x-sz-sign'];
    if (typeof key === 'string' && overLimit(key)) return envelope(429, '请求过于频繁', null, 429, { 'retry-after': '1' });
    const rejected = envelope(40001, '签名错误', null);
    if (typeof key !== 'string' || typeof timestamp !== 'string' || typeof sign !== 'string') return rejected;
    if (key !== appKey || !/^\d{1,16}$/.test(timestamp)) return rejected;
    if (Math.abs(now() - Number(timestamp)) > SHENZHEN_SIGNATURE_WINDOW_MS) return rejected;
    if (!safeEqual(sign.toLowerCase(), shenzhenSignature(appSecret, appKey, timestamp, req.rawPath, req.query.toString()))) return rejected;
    const listing = bySpId.get(req.query.get('spId') ?? '');
    if (!listing) return envelope(40004, '产品不存在', null);
    return envelope(200, '成功', toShenzhenDetail(listing, world.detailOf(listing)));
  }

  return {
    name: 'shenzhen',
    routes: [
      { method: 'POST', pattern: SHENZHEN_LIST_PATH, handler: list },
      { method: 'GET', pattern: SHENZHEN_DETAIL_PATH, handler: detail },
    ],
    errorReply: () => envelope(500, '系统繁忙', null),
    notFoundReply: () => envelope(404, '接口不存在', null, 404),
    reset() {
      window = -1;
      calls.clear();
    },
  };
}

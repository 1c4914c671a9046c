// The upstream wire shapes: what each exchange (and the registry) puts on the wire, as the
// simulators produce it and as the adapters must expect it. domain.md documents the observed
// list shapes; detail shapes are designed in each exchange's style. Adapters never trust these
// types: they validate what arrives at run time.
//
// Shared rules:
// - Every simulator also serves GET /__sim/stats, POST /__sim/reset, POST /__sim/faults.
// - Default credentials: SIM_CREDENTIALS, lib/config.ts's development credentials (the adapters'
//   defaults too, so production code never imports the simulators).

import { DEVELOPMENT_UPSTREAM_CREDENTIALS } from '../lib/config.ts';

export const SIM_CREDENTIALS = DEVELOPMENT_UPSTREAM_CREDENTIALS;

// ───────────────────────── Beijing (BJIDEX style) ─────────────────────────
// POST /product/api/productIndex/getProductList
//   body JSON BeijingListRequest. Quirks: pageSize > 500 is capped at 500; a `pageNum` field
//   (wrong name) is ignored, so the caller silently gets page 1.
//   HTTP 200 always; errors as { code: 500, msg: "系统繁忙", data: null }.
// GET /product/api/detail/{uuid}
//   headers: X-App-Key, X-Timestamp (epoch ms as string, must be within 5 minutes),
//   X-Sign = lowercase hex HMAC-SHA256(appSecret, `${appKey}\n${timestamp}\nGET\n/product/api/detail/${uuid}`).
//   Missing/invalid signature → HTTP 401 { code: 401, msg: "签名无效", data: null }.
//   Unknown uuid → HTTP 200 { code: 404, msg: "商品不存在", data: null }.
//   (Simulator: X-Sign is compared case-insensitively; the signed path is the request path as
//   sent, without query. A malformed list body → HTTP 200 { code: 400, msg: "请求参数格式错误" }.)
//   Prices: per-call amounts can be below one fen ("0.0028" 元/次); "按条"/"元/千条" is per 1,000 records.

export interface BeijingListRequest {
  pageNo?: number; // 1-based
  pageSize?: number; // ≤ 500
  goodsIndustry?: number; // 0..19 filter
  goodsArea?: string;
  keyword?: string;
}

export interface BeijingEnvelope<T> {
  code: number; // 0 = success
  msg: string;
  data: T | null;
}

export interface BeijingPage {
  records: BeijingListItem[];
  total: number;
  size: number;
  current: number;
  pages: number;
}

export interface BeijingListItem {
  uuid: string; // 32 lowercase hex
  goodsName: string;
  goodsNameEn: string | null;
  goodsDesc: string | null;
  /** 1 dataset, 2 API service, 3 report, 4 model, 5 tool */
  goodsType: number;
  /** "已登记" | "公示中" | "已上架" | "已下架" */
  goodsStatus: string;
  /** 0..19 = GB/T 4754 sections A..T */
  goodsIndustry: number;
  goodsArea: string; // e.g. "金融专区"
  /** comma-joined keywords: "工商,企业,信用" */
  goodsTags: string;
  sceneNames: string[];
  supplierName: string;
  supplierCreditCode: string;
  /** yuan string "1200.00", or "面议" */
  price: string;
  /** "元/次" | "元/月" | "元/年" | "元/千条" | "元" | "" */
  priceUnit: string;
  /** "一般数据" | "重要数据" | "核心数据" */
  dataLevel: string;
  /** 1..4 for 一般数据, null otherwise */
  dataGrade: number | null;
  /** 0/1 flags */
  hasPersonalInfo: number;
  hasSensitiveInfo: number;
  /** "无条件开放" | "有条件开放" | "不予开放" */
  openType: string;
  /** naive China time "yyyy-MM-dd HH:mm:ss" */
  updateTime: string;
  createTime: string;
}

export interface BeijingDetail {
  uuid: string;
  priceList: Array<{
    /** "按次" | "按条" | "包月" | "包年" | "一次性" | "面议" | "免费" */
    priceType: string;
    /** yuan string, "" when negotiable */
    price: string;
    priceUnit: string; // "元/次" etc.
  }>;
  /** "API" | "文件下载" | "数据沙箱" | "隐私计算" | "线下交付" */
  deliveryModes: Array<{ mode: string; format: string | null; remark: string | null }>;
  certificates: Array<{ certNo: string; issueOrg: string; issueDate: string /* "yyyy-MM-dd" */; certType: string }>;
  /** "实时" | "每日" | "每周" | "每月" | "每季度" | "每年" | "不定期" | "一次性" */
  updateFrequency: string | null;
  sample: { headers: string[]; rows: Array<Array<string | null>> } | null;
}

// ───────────────────────── Shanghai (SDE style) ─────────────────────────
// POST /oauth/token  JSON { grant_type: "client_credentials", client_id, client_secret }
//   → { access_token, token_type: "bearer", expires_in } (seconds; default 300)
//   bad credentials → HTTP 401 { code: 401, message: "invalid_client", data: null }
// All other routes need `Authorization: Bearer <token>`; a missing/expired token →
//   HTTP 401 { code: 401, message: "token expired", data: null }.
// POST /dex-api/dex-es/query/all/search  JSON ShanghaiSearchRequest
//   Quirks: pageSize silently capped at 100; ids are 19-digit JSON numbers (raw, unquoted:
//   JSON.parse loses precision); registered (serviceType 1) and tradable (serviceType 2)
//   listings live in separate id spaces that collide, so the key is (serviceType, id).
//   Errors: HTTP 200 { code: 400, message, data: null }.
// POST /dex-api/product/detail/batch  JSON { keys: [{ serviceType: 1|2, id: "<19 digits as string>" }] }
//   at most 50 keys (more → { code: 400, message: "keys 超过上限 50" }); reply
//   { code: 200, message, data: { list: ShanghaiDetail[] } } with ids again as raw JSON numbers;
//   unknown keys are simply absent from the list.
//   (Simulator: /oauth/token also takes a form body; a wrong grant_type → HTTP 400
//   { code: 400, message: "unsupported_grant_type" }. A key's id may also be sent as a raw JSON
//   number; duplicate keys are answered once. Search needs serviceType 1 or 2, else code 400.)

export interface ShanghaiSearchRequest {
  pageNum: number; // 1-based
  pageSize: number; // capped at 100
  /** 1 = 已登记 (registered), 2 = 可交易 (tradable) */
  serviceType: number;
  sectorName?: string;
  search?: string;
}

export interface ShanghaiEnvelope<T> {
  code: number; // 200 = success
  message: string;
  data: T | null;
}

export interface ShanghaiPage {
  list: ShanghaiListItem[];
  total: number;
  totalPage: number;
  pageNum: number;
}

export interface ShanghaiListItem {
  /** 19-digit snowflake, written as a raw JSON number */
  id: bigint;
  serviceType: number;
  productName: string;
  productNameEn: string | null;
  intro: string | null;
  /** "数据集" | "数据服务" | "数据报告" | "算法模型" | "数据工具" */
  productType: string;
  /** GB/T 4754 section names */
  sectorName: string[];
  zoneName: string[];
  aiTag: string[];
  sceneTags: string[];
  companyName: string;
  creditCode: string;
  /** integer fen; null when negotiable, 0 when free. For chargeMode "按条" it is per 1,000 records. */
  priceFen: number | null;
  /** "按次" | "按条" | "按月" | "按年" | "一次性" | "面议" | "免费" */
  chargeMode: string;
  /** "一般" | "重要" | "核心" */
  dataLevel: string;
  dataGrade: number | null;
  piFlag: boolean;
  spiFlag: boolean;
  /** "PUBLIC" | "RESTRICTED" | "NON_PUBLIC" (DCAT access rights) */
  accessRights: string;
  /** "登记" | "公示" | "挂牌" | "下架" */
  status: string;
  /** epoch milliseconds */
  updateTime: number;
}

export interface ShanghaiDetail {
  id: bigint; // raw JSON number
  serviceType: number;
  /** unit: "次" | "千条" | "月" | "年" | null (one-time, negotiable, free) */
  plans: Array<{ chargeMode: string; priceFen: number | null; unit: string | null; remark: string | null }>;
  /** "API" | "FILE" | "SANDBOX" | "MPC" | "OFFLINE" */
  deliveries: Array<{ type: string; format: string | null; remark: string | null }>;
  certs: Array<{ certNo: string; issuer: string; issuedAt: number /* epoch ms */; kind: string }>;
  /** "REALTIME" | "DAILY" | "WEEKLY" | "MONTHLY" | "QUARTERLY" | "YEARLY" | "IRREGULAR" | "ONCE" */
  updateCycle: string | null;
  sampleData: { columns: string[]; data: Array<Array<string | null>> } | null;
}

// ───────────────────────── Guiyang (GBDEx style) ─────────────────────────
// GET /apaas/serviceapp/v3/servicemarket/dataShop/list?page=&size=&dataDomains=&keyword=
//   page 1-based, size capped at 200. Quirk: `dataDomain` (singular) is ignored.
//   Success { success: 1, data: GuiyangListItem[], total, page }; error { success: 0, errMsg } (HTTP 200).
// POST /interface/gateway.do  form-urlencoded:
//   app_id, interface_id = "dataShop.detail", timestamp ("yyyy-MM-dd HH:mm:ss" China time),
//   biz_content = JSON string { "serviceId": 512 },
//   sign = uppercase hex MD5 of `${appSecret}` + the other params sorted by name as `k=v` joined by "&" + `${appSecret}`.
//   Reply (always HTTP 200): { code: 200, msg: "ok", data: "<JSON string>" } where the string
//   parses to GuiyangGatewayInner; the real outcome sits only in the inner `code`
//   ("1" success; "E401" bad sign; "E404" unknown service; "E500" internal).
//   Bad outer form (missing params) → { code: 400, msg, data: null }.
//   (Simulator: "the other params" = every form field except `sign`, decoded values, names sorted
//   by code unit; sign compared case-insensitively. The sign is checked first (inner "E401", also
//   for an unknown app_id); then an unknown interface_id or a biz_content that is not JSON with a
//   numeric serviceId → outer { code: 400 }. The timestamp is not checked for freshness.)

export interface GuiyangListEnvelope {
  success: number; // 1 | 0
  data?: GuiyangListItem[];
  total?: number;
  page?: number;
  errMsg?: string;
}

export interface GuiyangListItem {
  serviceId: number;
  serviceName: string;
  serviceNameEn: string | null;
  serviceDesc: string | null;
  /** "数据集" | "API接口" | "分析报告" | "模型" | "工具" (note the capital S) */
  ServiceType: string;
  /** comma-joined Chinese section names */
  sectors_name: string;
  /** comma-joined ids 491..510 = sections A..T */
  dataDomains: string;
  scenes: string; // comma-joined
  tags: string; // comma-joined
  providerName: string;
  ProviderUSCC: string;
  /** free text "0.05元/次", "3000元/月", "12000元/年", "5元/千条", "按需收费", "免费" */
  priceDesc: string;
  /** "一般1级" .. "一般4级" | "重要" | "核心" */
  safeLevel: string;
  /** "是" | "否" */
  personalInfo: string;
  sensitiveInfo: string;
  /** "无条件开放" | "有条件开放" | "不予开放" */
  openLevel: string;
  /** "待审核" | "公示中" | "已上架" | "已下架" */
  status: string;
  /** "2024年05月06日" */
  updateDate: string;
}

export interface GuiyangGatewayInner {
  code: string; // "1" = success
  msg: string;
  data: GuiyangDetail | null;
}

export interface GuiyangDetail {
  serviceId: number;
  priceItems: Array<{ desc: string /* free text like priceDesc */ }>;
  /** "API" | "文件" | "沙箱" | "隐私计算" | "线下" */
  deliverWay: string; // comma-joined
  dataFormat: string | null;
  certificateNo: string | null;
  certificateOrg: string | null;
  certificateDate: string | null; // "2024年05月06日"
  /** "实时" | "每日" | "每周" | "每月" | "每季度" | "每年" | "不定期" | "一次性" */
  refreshRate: string | null;
  /** sample as a JSON string of an array of row objects: "[{\"姓名\":\"张三丰\",...}]" */
  sampleJson: string | null;
}

// ───────────────────────── Enterprise registry ─────────────────────────
// GET /api/v1/enterprises?codes=A,B,C   header X-Api-Key (missing/wrong → HTTP 401 { code: 401, message })
//   at most 100 codes (more → HTTP 400 { code: 400, message }). Unknown codes are absent.
//   → { code: 0, message: "ok", data: RegistryEnterprise[] }

export interface RegistryEnvelope {
  code: number;
  message: string;
  data: RegistryEnterprise[] | null;
}

export interface RegistryEnterprise {
  uscc: string;
  name: string;
  legalPerson: string | null;
  /** "1000万元人民币" | "50万美元" | null */
  regCapital: string | null;
  /** "yyyy-MM-dd" */
  establishDate: string | null;
  /** "存续" | "在业" | "注销" | "吊销" */
  regStatus: string;
  address: string | null;
  scope: string | null;
}

// ───────────────────────── Simulator control (every simulator) ─────────────────────────
export type FaultMode = 'none' | 'error' | 'slow' | 'hang' | 'garbage' | 'offline' | 'ratelimit';

// Fault replies (simulator): "error" = the upstream's own error envelope (Beijing/Shanghai HTTP 200
// with code 500, Guiyang list { success: 0 } and gateway inner "E500", registry HTTP 500);
// "ratelimit" = HTTP 429, Retry-After: 1, body { code: 429, message }; "garbage" alternates the
// first half of the real body and a JSON object of another shape. Unknown routes are counted in
// stats as "<METHOD> *".
export interface FaultSettings {
  mode: FaultMode;
  /** Share of requests affected, 0..1 (default 1). */
  rate?: number;
  /** Extra latency for "slow" (default 2000). */
  latencyMs?: number;
}

export interface SimStats {
  total: number;
  /** key "<METHOD> <route pattern>", e.g. "GET /product/api/detail/:uuid" */
  routes: Record<string, number>;
  /** Upstream replies by HTTP status ("200", "429"…), faults and the upstream's own refusals alike. */
  statuses: Record<string, number>;
}

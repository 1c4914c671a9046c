// Taiyuan exchange (Shanxi data exchange, CKAN style): package_search with offset paging and a
// silent rows cap, package_show with resources, CKAN's 4xx error envelopes, and an API token in
// `Authorization` on every call, rendered from the canonical world.
//
// Wire contract (domain.md "Two more exchanges"; decisions of the issue-23 plan §3.2), shared
// with subgraphs/taiyuan/mapping.ts:
// GET /api/3/action/package_search?q=&fq=&rows=&start=&sort=
//   q: empty or `*:*` for everything, else words matched (case-insensitively, every word) against
//   name, title, title_translated.en, notes, tags and the organization's title.
//   fq: space-separated `field:value` clauses (AND), field ∈ groups | tags | organization | name
//   (e.g. `groups:gbt4754-i`); a value may be quoted. Anything else → 409 Search Error.
//   rows: default 10, silently capped at 1000; start: offset, default 0. Not a non-negative
//   integer → 409 `{__type: "Validation Error", rows: ["Invalid integer"]}`.
//   sort: `metadata_modified desc` (default; also `score desc, metadata_modified desc`),
//   `metadata_modified asc`, `name asc|desc`, `title asc|desc`; ties by name. Other → 409 Search Error.
//   → 200 `{help, success: true, result: {count, sort, facets: {}, results: [package], search_facets: {}}}`.
//   Search results carry no `resources` and not the detail extras (`gxpl`, `zs`): package_show has them.
// GET /api/3/action/package_show?id=<name or UUID>
//   → 200 `{help, success: true, result: package}` with `resources[]`; unknown → 404
//   `{success: false, error: {__type: "Not Found Error", message: "Not found"}}`; no id → 409.
// Auth: header `Authorization: <token>` (no "Bearer"); missing or wrong → 403
//   `{success: false, error: {__type: "Authorization Error", message: "Access denied: …"}}`.
// Package: `id` (UUID), `name` (lowercase slug: the native key), `title`, `title_translated`
//   `{zh, en}` (en absent on ~4 %), `notes` (Markdown: a bold lead and the scenarios as a list;
//   "" when there is no description), `organization {id, name, title}` (always present here),
//   `tags [{name, display_name}]` (keywords), `groups [{name: "gbt4754-<letter>", title}]`,
//   `extras [{key, value}]` (strings): tyshxydm USCC, cplx 数据集|数据接口|数据报告|算法模型|数据工具,
//   cpzt 已登记|公示中|已上架|已下架, sjdj 一般数据|重要数据|核心数据, sjfj "1".."4" (general data
//   only), kfsx 无条件开放|有条件开放|不予开放, sfhgrxx / sfhmggrxx 是|否, yycj scenarios 、-joined,
//   jg price text (plans joined by ；, the headline first: "200元/次", "0.0028元/次", "5元/千条",
//   "0.5万元/年" = 5,000 yuan (万 from 5,000 yuan when a multiple of 100), "9800元" one-time,
//   "协商" negotiable, "免费"); show only: gxpl 实时|每日|…|一次性, zs certificates as a JSON
//   string `[{bh, jg, rq: "yyyy-MM-dd", lx}]` (absent when none);
//   `metadata_created` / `metadata_modified`: ISO-8601 **without a zone, in UTC**, with microseconds.
// Resources (show): one per delivery method, `resource_type` api|file|sandbox|privacy_computing|offline,
//   `format`, `url`, `size` (bytes | null), `description`; the sample as `resource_type: "sample"`
//   with `sample: {fields: [{id, type}], records: [{<field>: value}]}` (datastore_search shape).
// Faults: the `error` fault answers HTTP 409 with a CKAN error envelope (the exchange's gateway
//   turns backend failures into 409 Search Error / Action Error); an unknown path is a bare HTML 404.

import type { DataLevel, DeliveryMethod, ListingStatus, PricingModel, ProductType } from '../subgraphs/common/model.ts';
import { chinaDate } from './china-time.ts';
import type { ListingChange, Upstream } from './control.ts';
import type { WorldDetail } from './details.ts';
import { jsonReply, type Reply, type SimRequest } from './http.ts';
import type { WorldPrice } from './pricing.ts';
import { plainYuan } from './pricing.ts';
import type { Rng } from './random.ts';
import { EXTRA_DISTRICTS } from './regions.ts';
import { SIM_CREDENTIALS } from './wire.ts';
import { FREQUENCY_ZH, OPENNESS_ZH, sectorName } from './wording.ts';
import type { ExchangeListing, ExchangeSimulator, World } from './world-types.ts';

export interface TaiyuanListing extends ExchangeListing {
  exchange: 'taiyuan';
  /** CKAN package name: the native key, a lowercase slug. */
  name: string;
  /** CKAN package id (UUID v4 shape). */
  uuid: string;
  /** False for the ~4 % of packages without `title_translated.en`. */
  englishTitle: boolean;
  /** The microseconds CKAN writes after the milliseconds of its times (0..999). */
  micros: number;
}

declare module './world-types.ts' {
  interface ExchangeListings {
    taiyuan: TaiyuanListing;
  }
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

function uuid4(rng: Rng): string {
  const hex = Array.from({ length: 4 }, () => rng.uint32().toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Number.parseInt(hex[16], 16) & 3]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Taiyuan's part of the world: 1,200 packages named by slug, joined by Shanxi providers and the well-connected. */
export const simulator: ExchangeSimulator<TaiyuanListing> = {
  id: 'taiyuan',
  world: {
    size: 1200,
    content: {
      coverage: [
        ['shanxi', 30],
        ['taiyuan', 22],
        ['national', 20],
        ['jingjinji', 6],
        ['beijing', 6],
        ['shanghai', 3],
        ['guangdong', 3],
        ['shenzhen', 3],
        ['zhejiang', 3],
        ['chengdu', 2],
        ['yangtzeDelta', 2],
      ],
      subFenAllowed: true,
      statusMix: () => 'default',
    },
    join: {
      homeRegions: ['1401'],
      home: 0.8,
      byExchangeCount: [0, 0.03, 0.25, 0.85],
      newProviders: { count: 80, districts: EXTRA_DISTRICTS },
    },
    identify(rng, bodies, owners, identity) {
      // Names are given in creation order: the first package of a kind, area and year gets the plain slug.
      const order = [...bodies.keys()].sort((a, b) => bodies[a].createdAtMs - bodies[b].createdAtMs || a - b);
      const used = new Set<string>();
      const uuids = new Set<string>();
      const listings = order.map((i): TaiyuanListing => {
        const body = bodies[i];
        const base = [body.coverage ? slug(body.coverage.en) : '', body.kind, String(new Date(body.createdAtMs + 8 * 3600_000).getUTCFullYear())].filter(Boolean).join('-');
        let name = base;
        for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
        used.add(name);
        let id = uuid4(rng);
        while (uuids.has(id)) id = uuid4(rng);
        uuids.add(id);
        return { ...body, ...identity(name, owners[i]), exchange: 'taiyuan', name, uuid: id, englishTitle: !rng.chance(0.04), micros: rng.int(0, 999) };
      });
      // The list's default order: metadata_modified desc, ties by name.
      return { listings: listings.sort(byModifiedDesc) };
    },
  },
  detailStyle: {
    registrationCertNo: (seq, year) => `晋数登字〔${year}〕第${String(seq).padStart(5, '0')}号`,
    ipOffice: { issuer: '山西省知识产权局', abbr: '晋' },
  },
};

function byModifiedDesc(a: TaiyuanListing, b: TaiyuanListing): number {
  return b.updatedAtMs - a.updatedAtMs || b.micros - a.micros || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export const TAIYUAN_MAX_ROWS = 1000;
export const TAIYUAN_DEFAULT_ROWS = 10;
export const SEARCH_ROUTE = '/api/3/action/package_search';
export const SHOW_ROUTE = '/api/3/action/package_show';
/** The `help` link CKAN puts in every reply (the simulator's default address, so recordings do not depend on the port). */
const HELP_BASE = 'http://127.0.0.1:4105/api/3/action/help_show?name=';

export interface TaiyuanOptions {
  /** The token `Authorization` must carry (default the development credential). */
  apiToken?: string;
}

const PRODUCT_TYPE: Record<ProductType, string> = { DATASET: '数据集', API_SERVICE: '数据接口', REPORT: '数据报告', MODEL: '算法模型', TOOL: '数据工具' };
const STATUS: Record<ListingStatus, string> = { REGISTERED: '已登记', PUBLICIZING: '公示中', LISTED: '已上架', DELISTED: '已下架' };
const DATA_LEVEL: Record<DataLevel, string> = { GENERAL: '一般数据', IMPORTANT: '重要数据', CORE: '核心数据' };
const RESOURCE_TYPE: Record<DeliveryMethod, string> = { API: 'api', FILE: 'file', SANDBOX: 'sandbox', PRIVACY_COMPUTING: 'privacy_computing', OFFLINE: 'offline' };
const UNIT_TEXT: Record<PricingModel, string> = { PER_CALL: '元/次', PER_RECORD: '元/千条', MONTHLY: '元/月', YEARLY: '元/年', ONE_TIME: '元', NEGOTIABLE: '', FREE: '' };

/** CKAN's time: ISO-8601 in UTC without a zone, with microseconds ("2024-05-06T01:02:03.456789"). */
export function ckanTime(epochMs: number, micros: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}`;
}

/** One price plan as Taiyuan writes it: "200元/次", "0.5万元/年", "协商", "免费". */
export function priceText(price: WorldPrice): string {
  if (price.model === 'NEGOTIABLE' || price.yuan === null) return '协商';
  if (price.model === 'FREE') return '免费';
  const unit = UNIT_TEXT[price.model];
  const [whole, fraction = ''] = price.yuan.split('.');
  const n = Number(whole);
  // Round sums in 万: 5000 → "0.5万", 36000 → "3.6万" (exact: integer arithmetic on the digits).
  if (/^0*$/.test(fraction) && n >= 5000 && n % 100 === 0) {
    const wan = `${Math.floor(n / 10000)}.${String(n % 10000).padStart(4, '0')}`.replace(/0+$/, '').replace(/\.$/, '');
    return `${wan}万${unit}`;
  }
  return `${plainYuan(price.yuan)}${unit}`;
}

/** `notes`: the description in Markdown, its lead in bold and the scenarios as a list; "" without a description. */
export function notesOf(listing: TaiyuanListing): string {
  if (listing.description === null) return '';
  const cut = listing.description.indexOf('，');
  const text = cut > 0 ? `**${listing.description.slice(0, cut)}**${listing.description.slice(cut)}` : `**${listing.description}**`;
  return `${text}\n\n${listing.scenarios.map((s) => `- ${s}`).join('\n')}`;
}

const extra = (key: string, value: string) => ({ key, value });

function listExtras(l: TaiyuanListing): Array<{ key: string; value: string }> {
  const c = l.classification;
  const extras = [extra('tyshxydm', l.providerCode), extra('cplx', PRODUCT_TYPE[l.productType]), extra('cpzt', STATUS[l.status]), extra('sjdj', DATA_LEVEL[c.level])];
  if (c.grade !== null) extras.push(extra('sjfj', String(c.grade)));
  extras.push(
    extra('kfsx', OPENNESS_ZH[c.openness]),
    extra('sfhgrxx', c.containsPersonalInfo ? '是' : '否'),
    extra('sfhmggrxx', c.sensitivePersonalInfo ? '是' : '否'),
    extra('yycj', l.scenarios.join('、')),
    extra('jg', l.pricePlans.map(priceText).join('；')),
  );
  return extras;
}

/** A package as package_search returns it (no resources, no detail extras). */
export function toTaiyuanPackage(l: TaiyuanListing): Record<string, unknown> {
  return {
    id: l.uuid,
    name: l.name,
    type: 'dataset',
    state: 'active',
    private: false,
    title: l.title,
    title_translated: l.englishTitle ? { zh: l.title, en: l.titleEn } : { zh: l.title },
    notes: notesOf(l),
    license_id: 'other-closed',
    organization: { id: `org-${l.providerCode.toLowerCase()}`, name: `org-${l.providerCode.toLowerCase()}`, title: l.providerName, type: 'organization', is_organization: true },
    tags: l.keywords.map((k) => ({ name: k, display_name: k })),
    groups: l.sectors.map((code) => ({ name: `gbt4754-${code.toLowerCase()}`, title: sectorName(code), display_name: sectorName(code) })),
    extras: listExtras(l),
    metadata_created: ckanTime(l.createdAtMs, l.micros),
    metadata_modified: ckanTime(l.updatedAtMs, l.micros),
  };
}

/** A package as package_show returns it: the search fields, the detail extras and the resources. */
export function toTaiyuanShow(l: TaiyuanListing, detail: WorldDetail): Record<string, unknown> {
  const pkg = toTaiyuanPackage(l);
  const extras = [...listExtras(l)];
  if (detail.updateFrequency !== null) extras.push(extra('gxpl', FREQUENCY_ZH[detail.updateFrequency]));
  if (detail.certificates.length > 0) {
    extras.push(extra('zs', JSON.stringify(detail.certificates.map((c) => ({ bh: c.number, jg: c.issuer, rq: chinaDate(c.issuedAtMs), lx: c.kind })))));
  }
  const resources: Array<Record<string, unknown>> = detail.delivery.map((d, i) => {
    const type = RESOURCE_TYPE[d.method];
    const ext = (d.format ?? 'bin').toLowerCase();
    return {
      id: `${l.uuid.slice(0, 24)}${String(i + 1).padStart(12, '0')}`,
      package_id: l.uuid,
      name: `${l.title}（${type}）`,
      resource_type: type,
      format: d.format,
      url: d.method === 'API' ? `https://data.sxdex.example/api/v1/${l.name}` : d.method === 'FILE' ? `https://data.sxdex.example/files/${l.name}.${ext}` : null,
      size: d.method === 'FILE' ? 1024 * (1 + (l.detailSeed % 50_000)) : null,
      description: d.remark ?? '',
    };
  });
  if (detail.sample) {
    const { columns, rows } = detail.sample;
    resources.push({
      id: `${l.uuid.slice(0, 24)}${'9'.repeat(12)}`,
      package_id: l.uuid,
      name: '样例数据',
      resource_type: 'sample',
      format: 'JSON',
      url: null,
      size: null,
      description: '脱敏样例',
      sample: { fields: columns.map((id) => ({ id, type: 'text' })), records: rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]]))) },
    });
  }
  return { ...pkg, extras, num_resources: resources.length, resources };
}

// ───────────── the API ─────────────

function ckanError(status: number, action: string, error: Record<string, unknown>): Reply {
  return jsonReply({ help: HELP_BASE + action, success: false, error }, status);
}

const ok = (action: string, result: unknown): Reply => jsonReply({ help: HELP_BASE + action, success: true, result });

/** A non-negative integer parameter; undefined when absent; null when malformed. */
function natural(raw: string | null): number | null | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  return /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : null;
}

type Sorter = (a: TaiyuanListing, b: TaiyuanListing) => number;
const byName: Sorter = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const SORTS: Record<string, Sorter> = {
  'metadata_modified desc': byModifiedDesc,
  'score desc, metadata_modified desc': byModifiedDesc,
  'metadata_modified asc': (a, b) => -byModifiedDesc(a, b),
  'name asc': byName,
  'name desc': (a, b) => byName(b, a),
  'title asc': (a, b) => a.title.localeCompare(b.title, 'zh') || byName(a, b),
  'title desc': (a, b) => b.title.localeCompare(a.title, 'zh') || byName(a, b),
};
const DEFAULT_SORT = 'metadata_modified desc';

const FQ_CLAUSE = /^(groups|tags|organization|name):(?:"([^"]*)"|(\S+))$/;

/** `fq` → a filter; null when it is not the supported syntax. */
function filterOf(fq: string): ((l: TaiyuanListing) => boolean) | null {
  const clauses = fq.trim() === '' ? [] : (fq.trim().match(/\S+:(?:"[^"]*"|\S+)|\S+/g) ?? []).filter((c) => c !== 'AND' && c !== '+');
  const tests: Array<(l: TaiyuanListing) => boolean> = [];
  for (const clause of clauses) {
    const m = FQ_CLAUSE.exec(clause.replace(/^\+/, ''));
    if (!m) return null;
    const value = m[2] ?? m[3];
    if (m[1] === 'groups') tests.push((l) => l.sectors.some((s) => `gbt4754-${s.toLowerCase()}` === value));
    else if (m[1] === 'tags') tests.push((l) => l.keywords.includes(value));
    else if (m[1] === 'organization') tests.push((l) => `org-${l.providerCode.toLowerCase()}` === value);
    else tests.push((l) => l.name === value);
  }
  return (l) => tests.every((t) => t(l));
}

function matchesQuery(q: string, l: TaiyuanListing): boolean {
  const query = q.trim();
  if (query === '' || query === '*:*') return true;
  const haystack = [l.name, l.title, l.englishTitle ? l.titleEn : '', notesOf(l), ...l.keywords, l.providerName].join('\n').toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

/** The uniform factory simulators/index.ts starts this simulator with (exchange-simulators.generated.ts). */
export function createUpstream(world: World): Upstream {
  return taiyuanUpstream(world);
}

export function taiyuanUpstream(world: World, options: TaiyuanOptions = {}): Upstream {
  const token = options.apiToken ?? SIM_CREDENTIALS.taiyuan.apiToken;
  // This simulator's own copy: POST /__sim/listings changes it (never the shared world).
  const listings = [...world.listings.taiyuan];
  const byKey = new Map<string, TaiyuanListing>();
  const packages = new Map<string, Record<string, unknown>>();
  const index = (l: TaiyuanListing) => {
    byKey.set(l.name, l);
    byKey.set(l.uuid, l);
    packages.set(l.name, toTaiyuanPackage(l));
  };
  for (const l of listings) index(l);
  let published = 0;

  /** Listings added, withdrawn and repriced (tests of change between harvests); each change is modified now. */
  function changeListings(change: ListingChange): { added: string[]; withdrawn: string[]; repriced: string[] } {
    const now = Date.now();
    const replace = (old: TaiyuanListing, next: TaiyuanListing) => {
      listings[listings.indexOf(old)] = next;
      index(next);
    };
    const withdrawn: string[] = [];
    for (const id of change.withdraw ?? []) {
      const l = byKey.get(id);
      if (!l) continue;
      listings.splice(listings.indexOf(l), 1);
      byKey.delete(l.name);
      byKey.delete(l.uuid);
      packages.delete(l.name);
      withdrawn.push(l.name);
    }
    const repriced: string[] = [];
    for (const { id, yuan } of change.reprice ?? []) {
      const l = byKey.get(id);
      if (!l) continue;
      const price = {
        ...l.headlinePrice,
        yuan: Number(yuan).toFixed(2),
        amountFen: Math.round(Number(yuan) * 100),
        model: l.headlinePrice.model === 'NEGOTIABLE' || l.headlinePrice.model === 'FREE' ? 'ONE_TIME' : l.headlinePrice.model,
      } as TaiyuanListing['headlinePrice'];
      replace(l, { ...l, headlinePrice: price, pricePlans: [price, ...l.pricePlans.slice(1)], updatedAtMs: now });
      repriced.push(l.name);
    }
    const added: string[] = [];
    for (let i = 0; i < (change.add ?? 0); i++) {
      const source = listings[(published * 7 + i) % listings.length];
      published++;
      const copy: TaiyuanListing = {
        ...source,
        name: `${source.name}-new-${published}`,
        uuid: `00000000-0000-4000-8000-${String(published).padStart(12, '0')}`,
        nativeId: `${source.name}-new-${published}`,
        id: `taiyuan:${source.name}-new-${published}`,
        title: `${source.title}（新版${published}）`,
        titleEn: `${source.titleEn} (new edition ${published})`,
        createdAtMs: now,
        updatedAtMs: now,
      };
      listings.unshift(copy);
      index(copy);
      added.push(copy.name);
    }
    listings.sort(byModifiedDesc);
    return { added, withdrawn, repriced };
  }

  /** Null when the token is right, else the 403 reply. */
  function denied(req: SimRequest, action: string): Reply | null {
    const sent = req.headers.authorization;
    if (typeof sent !== 'string' || sent.trim() === '') return ckanError(403, action, { __type: 'Authorization Error', message: 'Access denied: an API token is required' });
    if (sent.trim() !== token) return ckanError(403, action, { __type: 'Authorization Error', message: 'Access denied: invalid API token' });
    return null;
  }

  function search(req: SimRequest): Reply {
    const action = 'package_search';
    const refused = denied(req, action);
    if (refused) return refused;
    const rows = natural(req.query.get('rows'));
    const start = natural(req.query.get('start'));
    const invalid: Record<string, string[]> = {};
    if (rows === null) invalid.rows = ['Invalid integer'];
    if (start === null) invalid.start = ['Invalid integer'];
    if (Object.keys(invalid).length > 0) return ckanError(409, action, { __type: 'Validation Error', ...invalid });
    const sortText = (req.query.get('sort') ?? '').trim().replace(/\s+/g, ' ') || DEFAULT_SORT;
    const sorter = SORTS[sortText];
    if (!sorter) return ckanError(409, action, { __type: 'Search Error', message: `Search error: cannot sort by "${sortText.slice(0, 60)}"` });
    const filter = filterOf(req.query.get('fq') ?? '');
    if (!filter) return ckanError(409, action, { __type: 'Search Error', message: 'Search error: unsupported filter query' });
    const q = req.query.get('q') ?? '';
    const matching = listings.filter((l) => filter(l) && matchesQuery(q, l));
    const sorted = sorter === byModifiedDesc ? matching : matching.slice().sort(sorter);
    // rows above the cap are silently served as the cap.
    const size = Math.min(rows ?? TAIYUAN_DEFAULT_ROWS, TAIYUAN_MAX_ROWS);
    const from = start ?? 0;
    const results = sorted.slice(from, from + size).map((l) => packages.get(l.name));
    return ok(action, { count: matching.length, sort: sortText, facets: {}, results, search_facets: {} });
  }

  function show(req: SimRequest): Reply {
    const action = 'package_show';
    const refused = denied(req, action);
    if (refused) return refused;
    const id = req.query.get('id') ?? '';
    if (id.trim() === '') return ckanError(409, action, { __type: 'Validation Error', id: ['Missing value'] });
    const listing = byKey.get(id.trim());
    if (!listing) return ckanError(404, action, { __type: 'Not Found Error', message: 'Not found' });
    return ok(action, toTaiyuanShow(listing, world.detailOf(listing)));
  }

  return {
    name: 'taiyuan',
    changeListings,
    routes: [
      { method: 'GET', pattern: SEARCH_ROUTE, handler: search },
      { method: 'GET', pattern: SHOW_ROUTE, handler: show },
    ],
    errorReply: (route) =>
      route?.pattern === SEARCH_ROUTE
        ? ckanError(409, 'package_search', { __type: 'Search Error', message: 'Search error: SOLR returned an error running query' })
        : ckanError(409, route?.pattern === SHOW_ROUTE ? 'package_show' : 'api', { __type: 'Action Error', message: '系统繁忙，请稍后重试' }),
    notFoundReply: () => ({ status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>' }),
  };
}

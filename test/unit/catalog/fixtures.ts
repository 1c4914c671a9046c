// Record factory and a seeded synthetic corpus for the catalog index tests.

import type { DataLevel, DatasetRecord, ProductType } from '../../../subgraphs/common/model.ts';

let seq = 0;

type RecordInput = Partial<Omit<DatasetRecord, 'classification'>> & {
  classification?: Partial<DatasetRecord['classification']>;
  /** Shorthand for headlinePrice: fen, or null for a negotiable price. */
  priceFen?: number | null;
};

/** One listing with realistic defaults; id/nativeId derive from exchange + a sequence. */
export function rec(input: RecordInput = {}): DatasetRecord {
  seq++;
  const exchange = input.exchange ?? 'beijing';
  const nativeId = input.nativeId ?? `n${String(seq).padStart(6, '0')}`;
  const { priceFen, classification, ...rest } = input;
  let headlinePrice = rest.headlinePrice ?? null;
  if (priceFen !== undefined) {
    headlinePrice =
      priceFen === null
        ? { model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text: '面议' }
        : { model: 'PER_CALL', amountFen: priceFen, currency: 'CNY', unit: '次', negotiable: false, text: `${priceFen / 100}元/次` };
  }
  return {
    id: `${exchange}:${nativeId}`,
    nativeId,
    exchange,
    title: '企业经营数据',
    titleEn: null,
    description: null,
    productType: 'DATASET',
    status: 'LISTED',
    providerCode: '91110000MA01ABCD1X',
    providerName: '北京示例数据科技有限公司',
    sectors: [],
    scenarios: [],
    keywords: [],
    updatedAt: '2024-05-06T12:00:00+08:00',
    ...rest,
    headlinePrice,
    classification: {
      level: 'GENERAL',
      grade: 1,
      containsPersonalInfo: false,
      sensitivePersonalInfo: false,
      openness: 'CONDITIONAL',
      ...classification,
    },
  };
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOPICS: Array<{ zh: string; en: string; sectors: string[]; scenarios: string[] }> = [
  { zh: '企业工商登记信息', en: 'Enterprise business registrations', sectors: ['S', 'M'], scenarios: ['企业征信', '供应链管理'] },
  { zh: '行政处罚记录', en: 'Administrative penalty records', sectors: ['S'], scenarios: ['合规审查', '企业征信'] },
  { zh: '交通违法处罚信息', en: 'Traffic violation penalties', sectors: ['S', 'G'], scenarios: ['保险定价'] },
  { zh: '纳税信用等级评价', en: 'Tax credit ratings', sectors: ['S', 'L'], scenarios: ['信贷风控', '企业征信'] },
  { zh: '新冠疫苗接种点位', en: 'COVID-19 vaccination sites', sectors: ['Q'], scenarios: ['公共卫生'] },
  { zh: '取水口分布数据', en: 'Water intake points', sectors: ['N'], scenarios: ['水资源管理'] },
  { zh: '人工智能训练图像样本', en: 'AI training image samples', sectors: ['I'], scenarios: ['模型训练'] },
  { zh: '手机号在网时长核验', en: 'Mobile number tenure checks', sectors: ['I'], scenarios: ['信贷风控', '反欺诈'] },
  { zh: '外商投资企业名录', en: 'Foreign-invested enterprise directory', sectors: ['S'], scenarios: ['招商引资'] },
  { zh: '行政许可信息', en: 'Administrative licences', sectors: ['S'], scenarios: ['合规审查'] },
  { zh: '金融机构网点分布', en: 'Bank branch locations', sectors: ['J'], scenarios: ['选址分析'] },
  { zh: '气象观测站数据', en: 'Weather station observations', sectors: ['M'], scenarios: ['农业保险', '保险定价'] },
];
const CITIES = ['北京', '上海', '贵阳', '深圳', '杭州', '成都', '西安', '天津'];
const EXCHANGES = ['beijing', 'shanghai', 'guiyang'];
const PRODUCT_TYPES: ProductType[] = ['DATASET', 'API_SERVICE', 'REPORT', 'MODEL', 'TOOL'];
const LEVELS: DataLevel[] = ['GENERAL', 'GENERAL', 'GENERAL', 'IMPORTANT', 'CORE'];

export interface CorpusOptions {
  seed?: number;
  exchanges?: string[];
  providers?: number;
}

/**
 * n synthetic listings spread over exchanges, with shared providers, null prices, duplicate
 * titles (to exercise tie-breaks) and every level/grade.
 */
export function corpus(n: number, options: CorpusOptions = {}): DatasetRecord[] {
  const r = rng(options.seed ?? 42);
  const exchanges = options.exchanges ?? EXCHANGES;
  const providerCount = options.providers ?? Math.max(3, Math.floor(n / 5));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const out: DatasetRecord[] = [];
  for (let i = 0; i < n; i++) {
    const topic = pick(TOPICS);
    const city = pick(CITIES);
    const exchange = exchanges[i % exchanges.length];
    const p = Math.floor(r() * providerCount);
    const level = pick(LEVELS);
    const priced = r();
    const year = 2020 + Math.floor(r() * 5);
    const title = r() < 0.1 ? `${topic.zh}` : `${city}${topic.zh}${r() < 0.3 ? `（第${1 + Math.floor(r() * 12)}期）` : ''}`;
    out.push(
      rec({
        exchange,
        nativeId: `c${i}`,
        title,
        titleEn: r() < 0.8 ? `${topic.en} of ${city === '北京' ? 'Beijing' : 'China'}` : null,
        description: r() < 0.7 ? `${year}年${city}${topic.zh}，按月更新，含统计口径说明。` : null,
        productType: pick(PRODUCT_TYPES),
        providerCode: `91${String(110000 + p).padStart(6, '0')}MA${String(p).padStart(8, '0')}X`,
        providerName: `${pick(CITIES)}${['数据', '信息', '智能', '征信'][p % 4]}科技有限公司${p}`,
        sectors: topic.sectors.slice(0, 1 + Math.floor(r() * topic.sectors.length)),
        scenarios: topic.scenarios.filter(() => r() < 0.7),
        keywords: [topic.zh.slice(0, 4), city],
        priceFen: priced < 0.2 ? null : priced < 0.3 ? undefined : Math.floor(r() * 20) * 500,
        updatedAt: new Date(Date.UTC(year, Math.floor(r() * 12), 1 + Math.floor(r() * 28), Math.floor(r() * 24))).toISOString().replace('Z', '+00:00'),
        classification: {
          level,
          grade: level === 'GENERAL' ? (r() < 0.1 ? null : 1 + Math.floor(r() * 4)) : null,
          containsPersonalInfo: r() < 0.3,
        },
      }),
    );
  }
  return out;
}

/** Groups records by exchange (what a harvest delivers). */
export function byExchange(records: readonly DatasetRecord[]): Map<string, DatasetRecord[]> {
  const m = new Map<string, DatasetRecord[]>();
  for (const r of records) {
    let list = m.get(r.exchange);
    if (!list) m.set(r.exchange, (list = []));
    list.push(r);
  }
  return m;
}

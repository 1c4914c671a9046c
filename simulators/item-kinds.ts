// What the exchanges trade (domain.md's table): each item kind with its GB/T 4754 sections,
// typical grade, personal-information flags, product types, title subjects, keywords and
// scenarios. Listings are these kinds crossed with areas, years and qualifiers.

import type { ProductType, UpdateFrequency } from '../subgraphs/common/model.ts';

export type ItemKindId =
  | 'business-registration'
  | 'ip-registration'
  | 'tax-credit'
  | 'social-credit'
  | 'covid-clinic'
  | 'water-point'
  | 'market-penalty'
  | 'traffic-penalty'
  | 'judicial-record'
  | 'foreign-investment'
  | 'ai-image'
  | 'ai-audio'
  | 'id-verification'
  | 'phone-check';

export interface Phrase {
  zh: string;
  en: string;
}

type Weighted<T> = ReadonlyArray<readonly [T, number]>;

export interface ItemKind {
  id: ItemKindId;
  /** Relative frequency among listings. */
  weight: number;
  /** Primary GB/T 4754 section, weighted. */
  sectors: Weighted<string>;
  /** A second section some listings also carry. */
  secondarySector: string | null;
  /** GB/T 43697 sub-grades of general data this kind takes. */
  grades: readonly number[];
  personalInfo: boolean;
  sensitivePersonalInfo: boolean;
  productTypes: Weighted<ProductType>;
  subjects: readonly Phrase[];
  /** Title forms that override the defaults per product type. */
  forms?: Partial<Record<ProductType, Phrase>>;
  /** Probability the title names a coverage area (verification APIs usually do not). */
  regionalTitle: number;
  keywords: readonly string[];
  scenarios: readonly string[];
  /** Canonical zone (Beijing "…专区", Shanghai "…板块"). */
  zones: readonly string[];
  updateFrequencies: Weighted<UpdateFrequency>;
  /** Where the data comes from, for descriptions. */
  source: string;
}

export const DEFAULT_FORMS: Record<ProductType, Phrase> = {
  DATASET: { zh: '数据集', en: 'dataset' },
  API_SERVICE: { zh: '查询接口', en: 'lookup API' },
  REPORT: { zh: '分析报告', en: 'analysis report' },
  MODEL: { zh: '评估模型', en: 'scoring model' },
  TOOL: { zh: '查询工具', en: 'lookup tool' },
};

export const ITEM_KINDS: readonly ItemKind[] = [
  {
    id: 'business-registration',
    weight: 12,
    sectors: [
      ['S', 6],
      ['M', 4],
    ],
    secondarySector: 'L',
    grades: [1, 2],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 5],
      ['API_SERVICE', 4],
      ['REPORT', 1],
      ['TOOL', 1],
    ],
    subjects: [
      { zh: '企业工商登记信息', en: 'enterprise business registration records' },
      { zh: '企业照面信息', en: 'enterprise basic registration profiles' },
      { zh: '个体工商户登记信息', en: 'individual business registrations' },
      { zh: '企业变更登记记录', en: 'enterprise registration change records' },
    ],
    regionalTitle: 0.85,
    keywords: ['工商', '企业', '登记', '照面', '注册信息', '股东'],
    scenarios: ['企业征信', '金融风控', '政务服务', '供应链管理'],
    zones: ['金融', '政务'],
    updateFrequencies: [
      ['DAILY', 4],
      ['WEEKLY', 2],
      ['MONTHLY', 2],
      ['REALTIME', 1],
    ],
    source: '市场监督管理部门登记数据',
  },
  {
    id: 'ip-registration',
    weight: 7,
    sectors: [
      ['M', 7],
      ['S', 3],
    ],
    secondarySector: null,
    grades: [1, 2],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 5],
      ['API_SERVICE', 3],
      ['REPORT', 2],
    ],
    subjects: [
      { zh: '专利登记信息', en: 'patent registrations' },
      { zh: '商标注册信息', en: 'trademark registrations' },
      { zh: '著作权登记信息', en: 'copyright registrations' },
      { zh: '知识产权质押登记', en: 'IP pledge registrations' },
    ],
    regionalTitle: 0.7,
    keywords: ['专利', '商标', '知识产权', '著作权', '科创'],
    scenarios: ['科技金融', '企业征信', '招商引资'],
    zones: ['科创', '金融'],
    updateFrequencies: [
      ['WEEKLY', 3],
      ['MONTHLY', 4],
      ['QUARTERLY', 1],
    ],
    source: '知识产权管理部门公开数据',
  },
  {
    id: 'tax-credit',
    weight: 9,
    sectors: [
      ['S', 5],
      ['L', 5],
    ],
    secondarySector: 'J',
    grades: [2, 3],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 4],
      ['API_SERVICE', 3],
      ['REPORT', 2],
      ['MODEL', 1],
    ],
    subjects: [
      { zh: '企业纳税信用等级', en: 'corporate tax credit ratings' },
      { zh: '企业欠税公告信息', en: 'corporate tax arrears notices' },
      { zh: '企业纳税记录', en: 'corporate tax payment records' },
    ],
    regionalTitle: 0.85,
    keywords: ['纳税', '税务', '信用等级', '欠税', '发票'],
    scenarios: ['金融风控', '企业征信', '普惠金融'],
    zones: ['金融'],
    updateFrequencies: [
      ['MONTHLY', 4],
      ['QUARTERLY', 3],
      ['YEARLY', 2],
    ],
    source: '税务部门授权数据',
  },
  {
    id: 'social-credit',
    weight: 9,
    sectors: [
      ['S', 5],
      ['L', 5],
    ],
    secondarySector: 'J',
    grades: [2, 3],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 4],
      ['API_SERVICE', 3],
      ['REPORT', 2],
      ['MODEL', 2],
    ],
    subjects: [
      { zh: '企业社会信用记录', en: 'corporate social credit records' },
      { zh: '公共信用综合评价', en: 'public credit composite evaluations' },
      { zh: '企业信用红黑名单', en: 'corporate credit red and black lists' },
    ],
    regionalTitle: 0.85,
    keywords: ['信用', '社会信用', '信用评价', '红黑名单', '守信激励'],
    scenarios: ['企业征信', '金融风控', '政务服务', '招投标审查'],
    zones: ['金融', '政务'],
    updateFrequencies: [
      ['DAILY', 2],
      ['WEEKLY', 3],
      ['MONTHLY', 3],
    ],
    source: '公共信用信息平台归集数据',
  },
  {
    id: 'covid-clinic',
    weight: 6,
    sectors: [['Q', 1]],
    secondarySector: null,
    grades: [1],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 8],
      ['API_SERVICE', 2],
    ],
    subjects: [
      { zh: '新冠疫苗接种点位信息', en: 'COVID-19 vaccination clinic locations' },
      { zh: '新冠疫苗接种门诊名录', en: 'COVID-19 vaccination clinic directory' },
    ],
    regionalTitle: 1,
    keywords: ['新冠', '疫苗', '接种点', '医疗机构', '公共卫生'],
    scenarios: ['公共卫生', '智慧医疗', '便民服务'],
    zones: ['医疗健康'],
    updateFrequencies: [
      ['ONCE', 3],
      ['IRREGULAR', 3],
      ['MONTHLY', 2],
    ],
    source: '卫生健康部门公开数据',
  },
  {
    id: 'water-point',
    weight: 6,
    sectors: [['N', 1]],
    secondarySector: 'D',
    grades: [1],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 8],
      ['API_SERVICE', 1],
      ['REPORT', 1],
    ],
    subjects: [
      { zh: '取水点分布信息', en: 'water collection points' },
      { zh: '取水口监测点位', en: 'water intake monitoring points' },
      { zh: '饮用水水源地取水点', en: 'drinking water source collection points' },
    ],
    regionalTitle: 1,
    keywords: ['取水点', '水资源', '水文', '监测', '水源地'],
    scenarios: ['水资源管理', '城市治理', '环境监测'],
    zones: ['城市治理'],
    updateFrequencies: [
      ['MONTHLY', 3],
      ['QUARTERLY', 3],
      ['YEARLY', 2],
    ],
    source: '水务部门公开数据',
  },
  {
    id: 'market-penalty',
    weight: 8,
    sectors: [['S', 1]],
    secondarySector: 'L',
    grades: [2, 3],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 6],
      ['API_SERVICE', 3],
      ['REPORT', 1],
    ],
    subjects: [
      { zh: '市场监管行政处罚信息', en: 'market regulation administrative penalty records' },
      { zh: '生态环境行政处罚信息', en: 'environmental administrative penalty records' },
      { zh: '税务行政处罚信息', en: 'tax administrative penalty records' },
    ],
    regionalTitle: 0.95,
    keywords: ['行政处罚', '市场监管', '违法记录', '处罚决定', '合规'],
    scenarios: ['合规审查', '企业征信', '金融风控', '市场监管'],
    zones: ['政务', '金融'],
    updateFrequencies: [
      ['DAILY', 3],
      ['WEEKLY', 3],
      ['MONTHLY', 2],
    ],
    source: '执法部门行政处罚公示数据',
  },
  {
    id: 'traffic-penalty',
    weight: 6,
    sectors: [['S', 1]],
    secondarySector: 'G',
    grades: [3],
    personalInfo: true,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 6],
      ['API_SERVICE', 3],
      ['REPORT', 1],
    ],
    subjects: [
      { zh: '交通违法行政处罚记录', en: 'traffic violation administrative penalty records' },
      { zh: '道路运输行政处罚信息', en: 'road transport administrative penalty records' },
    ],
    regionalTitle: 1,
    keywords: ['交通违法', '行政处罚', '驾驶人', '罚款', '车辆'],
    scenarios: ['交通治理', '保险定价', '合规审查'],
    zones: ['交通出行'],
    updateFrequencies: [
      ['DAILY', 4],
      ['WEEKLY', 2],
      ['REALTIME', 1],
    ],
    source: '公安交通管理部门授权数据',
  },
  {
    id: 'judicial-record',
    weight: 6,
    sectors: [['S', 1]],
    secondarySector: null,
    grades: [2, 3],
    personalInfo: true,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 5],
      ['API_SERVICE', 4],
      ['REPORT', 1],
    ],
    subjects: [
      { zh: '失信被执行人信息', en: 'dishonest judgment debtor records' },
      { zh: '裁判文书摘要', en: 'court judgment summaries' },
      { zh: '限制高消费人员名单', en: 'high-consumption restriction lists' },
    ],
    regionalTitle: 0.8,
    keywords: ['司法', '失信', '被执行人', '裁判文书', '涉诉'],
    scenarios: ['司法协助', '金融风控', '企业征信'],
    zones: ['政务', '金融'],
    updateFrequencies: [
      ['DAILY', 4],
      ['WEEKLY', 3],
    ],
    source: '人民法院公开数据',
  },
  {
    id: 'foreign-investment',
    weight: 6,
    sectors: [['S', 1]],
    secondarySector: 'L',
    grades: [2],
    personalInfo: false,
    sensitivePersonalInfo: false,
    productTypes: [
      ['DATASET', 5],
      ['REPORT', 3],
      ['API_SERVICE', 2],
    ],
    subjects: [
      { zh: '外商投资企业信息', en: 'foreign-invested enterprise records' },
      { zh: '外商投资项目备案信息', en: 'foreign investment project filings' },
      { zh: '跨境投资统计', en: 'cross-border investment statistics' },
    ],
    regionalTitle: 0.9,
    keywords: ['外商投资', '外资', '备案', '跨境', '招商'],
    scenarios: ['招商引资', '产业分析', '政务服务'],
    zones: ['国际数据', '政务'],
    updateFrequencies: [
      ['MONTHLY', 3],
      ['QUARTERLY', 4],
      ['YEARLY', 2],
    ],
    source: '商务部门备案数据',
  },
  {
    id: 'ai-image',
    weight: 6,
    sectors: [['I', 1]],
    secondarySector: 'R',
    grades: [3, 4],
    personalInfo: true,
    sensitivePersonalInfo: true,
    productTypes: [
      ['DATASET', 8],
      ['MODEL', 3],
      ['TOOL', 1],
    ],
    subjects: [
      { zh: '人脸图像AI训练', en: 'face images for AI training' },
      { zh: '儿童面部表情图像', en: "children's facial expression images" },
      { zh: '智能手机采集街景图像', en: 'street-view images gathered from smartphones' },
      { zh: '手势识别图像标注', en: 'annotated hand gesture images' },
    ],
    forms: { MODEL: { zh: '识别模型', en: 'recognition model' }, TOOL: { zh: '标注工具', en: 'annotation tool' } },
    regionalTitle: 0.2,
    keywords: ['人工智能', '训练数据', '图像', '标注', '人脸', '高质量数据集'],
    scenarios: ['AI训练', '计算机视觉', '智能安防'],
    zones: ['人工智能'],
    updateFrequencies: [
      ['ONCE', 5],
      ['IRREGULAR', 3],
      ['QUARTERLY', 1],
    ],
    source: '经授权采集的图像数据',
  },
  {
    id: 'ai-audio',
    weight: 5,
    sectors: [['I', 1]],
    secondarySector: 'R',
    grades: [3, 4],
    personalInfo: true,
    sensitivePersonalInfo: true,
    productTypes: [
      ['DATASET', 8],
      ['MODEL', 3],
      ['TOOL', 1],
    ],
    subjects: [
      { zh: '普通话语音样本', en: 'Mandarin speech samples' },
      { zh: '儿童语音样本', en: "children's speech samples" },
      { zh: '方言语音语料', en: 'dialect speech corpus' },
      { zh: '智能手机录制语音', en: 'speech recordings gathered from smartphones' },
    ],
    forms: { MODEL: { zh: '识别模型', en: 'recognition model' }, TOOL: { zh: '标注工具', en: 'annotation tool' } },
    regionalTitle: 0.2,
    keywords: ['语音', '训练数据', '音频', '标注', '方言', '高质量数据集'],
    scenarios: ['AI训练', '语音识别', '智能客服'],
    zones: ['人工智能'],
    updateFrequencies: [
      ['ONCE', 5],
      ['IRREGULAR', 3],
      ['QUARTERLY', 1],
    ],
    source: '经授权采集的语音数据',
  },
  {
    id: 'id-verification',
    weight: 6,
    sectors: [['I', 1]],
    secondarySector: 'J',
    grades: [4],
    personalInfo: true,
    sensitivePersonalInfo: false,
    productTypes: [
      ['API_SERVICE', 9],
      ['TOOL', 1],
    ],
    subjects: [
      { zh: '身份证二要素核验', en: 'ID number and name verification' },
      { zh: '个人实名认证', en: 'personal real-name authentication' },
    ],
    forms: { API_SERVICE: { zh: '服务', en: 'service' }, TOOL: { zh: '工具', en: 'tool' } },
    regionalTitle: 0.1,
    keywords: ['身份证', '实名认证', '二要素', '核验', '身份核验'],
    scenarios: ['身份核验', '反欺诈', '金融风控'],
    zones: ['金融'],
    updateFrequencies: [['REALTIME', 1]],
    source: '权威身份核验数据源',
  },
  {
    id: 'phone-check',
    weight: 8,
    sectors: [['I', 1]],
    secondarySector: 'J',
    grades: [4],
    personalInfo: true,
    sensitivePersonalInfo: false,
    productTypes: [
      ['API_SERVICE', 9],
      ['TOOL', 1],
    ],
    subjects: [
      { zh: '手机号三要素核验', en: 'mobile number three-factor verification' },
      { zh: '手机号在网状态查询', en: 'mobile line status check' },
      { zh: '手机号在网时长查询', en: 'mobile number tenure lookup' },
      { zh: '携号转网查询', en: 'number portability check' },
      { zh: '手机号运营商查询', en: 'mobile carrier lookup' },
    ],
    forms: { API_SERVICE: { zh: '接口', en: 'API' }, TOOL: { zh: '工具', en: 'tool' } },
    regionalTitle: 0.05,
    keywords: ['手机号', '运营商', '在网时长', '携号转网', '三要素', '号码核验'],
    scenarios: ['反欺诈', '身份核验', '金融风控', '营销风控'],
    zones: ['金融'],
    updateFrequencies: [['REALTIME', 1]],
    source: '基础电信运营商授权数据',
  },
];

const kindsById = new Map(ITEM_KINDS.map((k) => [k.id, k]));

export function itemKind(id: ItemKindId): ItemKind {
  const kind = kindsById.get(id);
  if (!kind) throw new Error(`unknown item kind ${id}`);
  return kind;
}

export function formFor(kind: ItemKind, productType: ProductType): Phrase {
  return kind.forms?.[productType] ?? DEFAULT_FORMS[productType];
}

/** Optional qualifiers appended to titles. */
export const TITLE_QUALIFIERS: Weighted<Phrase | null> = [
  [null, 60],
  [{ zh: '季度更新', en: 'quarterly' }, 6],
  [{ zh: '脱敏版', en: 'de-identified' }, 8],
  [{ zh: '标准版', en: 'standard edition' }, 8],
  [{ zh: '企业版', en: 'enterprise edition' }, 6],
  [{ zh: '历史全量', en: 'full history' }, 6],
  [{ zh: '高质量', en: 'high quality' }, 6],
];

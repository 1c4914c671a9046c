// Data providers: company names and Unified Social Credit Codes (GB 32100-2015), including the
// early pilot codes that fail the check but are legal.

import { orgCodeCheckChar, usccCheckChar } from '../subgraphs/common/identifiers.ts';
import type { Rng } from './random.ts';
import type { District } from './regions.ts';

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const NAME_CORES = [
  '数智',
  '云图',
  '华信',
  '中数',
  '天眼',
  '金盾',
  '星河',
  '汇智',
  '博雅',
  '同创',
  '瑞达',
  '恒信',
  '聚源',
  '海量',
  '数联',
  '智谷',
  '明略',
  '百融',
  '中科',
  '国信',
  '易联',
  '蓝海',
  '鼎泰',
  '安恒',
  '卓越',
  '远景',
  '启明',
  '泰和',
  '锦程',
  '亿通',
  '天璇',
  '九章',
  '数衍',
  '知行',
  '维度',
  '格物',
  '千寻',
  '万象',
  '东方',
  '长城',
  '信达',
  '弘远',
  '优数',
  '灵犀',
  '融智',
  '数途',
  '鸿图',
  '安远',
  '睿新',
  '领航',
  '银河',
  '朗新',
  '思源',
  '方正',
  '宏景',
  '数坤',
  '慧眼',
  '云上',
  '数港',
  '宜信',
];
const NAME_INDUSTRIES = [
  '征信',
  '大数据科技',
  '数据科技',
  '信息技术',
  '科技',
  '数据服务',
  '智能科技',
  '网络科技',
  '信用管理',
  '地理信息',
  '医疗科技',
  '数字技术',
  '软件',
  '人工智能科技',
  '数据交易服务',
  '金融信息服务',
  '交通科技',
  '环境科技',
  '知识产权服务',
  '信息咨询',
];
const NAME_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['有限公司', 80],
  ['股份有限公司', 15],
  ['有限责任公司', 5],
];

/**
 * A realistic company name; the caller de-duplicates. Sometimes without a core ("贵州大数据科技有限公司"),
 * with `doubleCore` two of them ("北京华信云图科技有限公司").
 */
export function companyName(rng: Rng, district: District, doubleCore = false): string {
  const core = doubleCore ? rng.pick(NAME_CORES) + rng.pick(NAME_CORES) : rng.chance(0.03) ? '' : rng.pick(NAME_CORES);
  return rng.pick(district.brands) + core + rng.pick(NAME_INDUSTRIES) + rng.weighted(NAME_SUFFIXES);
}

function randomChars(rng: Rng, alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[rng.int(0, alphabet.length - 1)];
  return out;
}

/** GB 11714 organisation code (9 characters, own check char): post-2015 "MA…" or older all-digit. */
function organisationCode(rng: Rng): string {
  const body = rng.chance(0.6) ? `MA${randomChars(rng, USCC_CHARS, 6)}` : randomChars(rng, '0123456789', 8);
  const check = orgCodeCheckChar(body);
  if (check === null) throw new Error(`bad organisation code body ${body}`);
  return body + check;
}

/** A USCC that passes the GB 32100 check: enterprise (9 1), region, organisation code, check. */
export function validUscc(rng: Rng, regionCode: string): string {
  const first17 = `91${regionCode}${organisationCode(rng)}`;
  const check = usccCheckChar(first17);
  if (check === null) throw new Error(`bad USCC body ${first17}`);
  return first17 + check;
}

/** An early pilot code like 91350100M0001TGQXM: right shape, wrong check character. */
export function legacyPilotUscc(rng: Rng, regionCode: string): string {
  const first17 = `91${regionCode}M000${randomChars(rng, USCC_CHARS, 5)}`;
  const valid = usccCheckChar(first17);
  const wrong = USCC_CHARS.replace(valid ?? '', '');
  return first17 + wrong[rng.int(0, wrong.length - 1)];
}

const CAPITALS: ReadonlyArray<readonly [string, number]> = [
  ['100万元人民币', 10],
  ['500万元人民币', 20],
  ['1000万元人民币', 30],
  ['2000万元人民币', 15],
  ['5000万元人民币', 12],
  ['1亿元人民币', 5],
  ['50万美元', 4],
  ['300万美元', 4],
];

export function registeredCapital(rng: Rng): string {
  return rng.weighted(CAPITALS);
}

const SCOPE_ITEMS = [
  '技术开发、技术咨询、技术服务',
  '数据处理和存储支持服务',
  '软件开发',
  '信息系统集成服务',
  '大数据服务',
  '人工智能应用软件开发',
  '企业信用管理咨询',
  '市场调查（不含涉外调查）',
  '地理遥感信息服务',
  '互联网数据服务',
  '计算机系统服务',
  '知识产权服务',
  '数字内容制作服务',
  '健康咨询服务（不含诊疗服务）',
  '环境保护监测',
];

/** Business scope in the registry's style: several items joined by "；", ending with the usual caveat. */
export function businessScope(rng: Rng): string {
  return `${rng.sample(SCOPE_ITEMS, rng.int(3, 6)).join('；')}。（依法须经批准的项目，经相关部门批准后方可开展经营活动）`;
}

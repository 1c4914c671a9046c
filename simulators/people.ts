// Synthetic personal data for sample rows: names, resident ID numbers that pass the GB 11643
// check, mobile numbers with their carrier, street addresses. Nobody here is real.

import { residentIdCheckChar } from '../subgraphs/common/identifiers.ts';
import type { Rng } from './random.ts';
import { BIRTH_REGION_CODES, DISTRICTS, type District } from './regions.ts';

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '高',
  '林',
  '罗',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
  '彭',
  '曾',
  '肖',
  '田',
  '董',
  '袁',
  '潘',
  '于',
  '蒋',
  '蔡',
  '余',
  '杜',
  '叶',
  '程',
  '苏',
  '魏',
  '吕',
  '丁',
  '任',
  '沈',
  '姚',
  '卢',
  '姜',
  '崔',
  '钟',
  '谭',
  '陆',
  '汪',
  '范',
  '金',
  '石',
  '廖',
  '贾',
  '夏',
  '韦',
  '方',
  '白',
  '邹',
  '孟',
  '熊',
  '秦',
  '邱',
  '江',
  '尹',
  '薛',
  '段',
  '雷',
  '侯',
  '龙',
  '欧阳',
];
const GIVEN_CHARS = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀',
  '霞',
  '平',
  '刚',
  '桂',
  '英',
  '华',
  '玉',
  '萍',
  '红',
  '玲',
  '芬',
  '飞',
  '鹏',
  '宇',
  '浩',
  '凯',
  '晨',
  '思',
  '雨',
  '欣',
  '怡',
  '子',
  '涵',
  '梓',
  '轩',
  '博',
  '文',
  '建',
  '国',
  '志',
  '海',
  '峰',
  '丰',
  '嘉',
  '琪',
  '佳',
  '俊',
  '辉',
  '鑫',
  '婷',
  '雪',
  '慧',
  '晓',
  '燕',
  '瑞',
  '天',
  '泽',
  '一',
  '诺',
  '宁',
  '安',
  '颖',
  '岚',
  '昊',
  '然',
  '晗',
  '铭',
  '睿',
  '航',
  '蕾',
  '瑶',
  '彤',
];

export function personName(rng: Rng): string {
  const given = rng.chance(0.65) ? rng.pick(GIVEN_CHARS) + rng.pick(GIVEN_CHARS) : rng.pick(GIVEN_CHARS);
  return rng.pick(SURNAMES) + given;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** An 18-character resident ID number with a real region prefix, a valid birth date and check. */
export function residentId(rng: Rng, options: { minYear?: number; maxYear?: number } = {}): string {
  const year = rng.int(options.minYear ?? 1950, options.maxYear ?? 2006);
  const month = rng.int(1, 12);
  const day = rng.int(1, daysIn(year, month));
  const sequence = rng.int(1, 999);
  const first17 = rng.pick(BIRTH_REGION_CODES) + String(year) + String(month).padStart(2, '0') + String(day).padStart(2, '0') + String(sequence).padStart(3, '0');
  const check = residentIdCheckChar(first17);
  if (check === null) throw new Error(`cannot compute ID check for ${first17}`);
  return first17 + check;
}

export type Carrier = 'cmcc' | 'cucc' | 'ctcc';

/** Mobile number prefixes by carrier (China Mobile, China Unicom, China Telecom). */
const MOBILE_PREFIXES: Record<Carrier, readonly string[]> = {
  cmcc: ['134', '135', '136', '137', '138', '139', '150', '151', '152', '157', '158', '159', '178', '182', '183', '187', '188', '198'],
  cucc: ['130', '131', '132', '155', '156', '166', '175', '176', '185', '186'],
  ctcc: ['133', '153', '173', '177', '180', '181', '189', '191', '199'],
};

export function mobileNumber(rng: Rng, carrier?: Carrier): { number: string; carrier: Carrier } {
  const chosen =
    carrier ??
    rng.weighted<Carrier>([
      ['cmcc', 6],
      ['cucc', 2],
      ['ctcc', 2],
    ]);
  let tail = '';
  for (let i = 0; i < 8; i++) tail += String(rng.int(0, 9));
  return { number: rng.pick(MOBILE_PREFIXES[chosen]) + tail, carrier: chosen };
}

/** "北京市朝阳区建国路88号" style, with a building and room for homes. */
export function streetAddress(rng: Rng, district: District = rng.pick(DISTRICTS), home = false): string {
  const cityPart = district.province === district.city ? district.city : district.province + district.city;
  const base = `${cityPart}${district.district}${rng.pick(district.roads)}${rng.int(1, 300)}号`;
  return home ? `${base}${rng.int(1, 30)}栋${rng.int(1, 6)}单元${rng.int(1, 32)}0${rng.int(1, 8)}室` : base;
}

/** Plate number of a car registered in the district's province ("京A12345" style). */
export function plateNumber(rng: Rng, district: District): string {
  const prefix: Record<string, string> = {
    北京市: '京',
    上海市: '沪',
    贵州省: '贵',
    浙江省: '浙',
    广东省: '粤',
    四川省: '川',
    湖北省: '鄂',
    福建省: '闽',
  };
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  let tail = '';
  for (let i = 0; i < 5; i++) tail += rng.chance(0.25) ? letters[rng.int(0, letters.length - 1)] : String(rng.int(0, 9));
  return `${prefix[district.province] ?? '京'}${letters[rng.int(0, 5)]}${tail}`;
}

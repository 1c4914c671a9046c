// Masks personal information in sample rows (domain.md): ID number 110105********002X, mobile
// 138****1234 (in whatever form it is written, keeping the form: +86 178 **** 8322), name 张*丰,
// addresses cut to the district (北京市朝阳区****).
//
// Columns are classified by what their name means (身份证号 / idcard, 手机号 / mobile, 姓名 / name,
// 地址 / 住址 / address / home_address …), and every other value is scanned for ID and mobile
// numbers embedded in free text. Address columns are cut in rows that describe a person: the
// sample has a name, ID-number, mobile or home-address column, or the row holds an ID or mobile
// number anywhere. The addresses of places (a clinic) and of enterprises (注册地址 next to
// 法定代表人) are not personal information and stay whole.
//
// 法定代表人 (legal representative) is not masked: it is registration data the law publishes
// (企业信用信息公示暂行条例 art. 6: the National Enterprise Credit Information Publicity System
// shows it to anyone), dataex itself serves it unmasked as Registration.legalRepresentative, and
// a row about an enterprise is not a row about a person.

import type { DataSampleRows } from './model.ts';
import { isValidResidentId } from './identifiers.ts';

export function maskResidentId(id: string): string {
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : '*'.repeat(id.length);
}

export function maskMobile(mobile: string): string {
  return mobile.length === 11 ? `${mobile.slice(0, 3)}****${mobile.slice(7)}` : '*'.repeat(mobile.length);
}

/** 张三丰 → 张*丰, 李四 → 李*, a single character stays. Latin names keep initials. */
export function maskPersonName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return name;
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

// ---- ID numbers ----

// Digit runs not glued to other digits or letters: 17 digits + digit/X.
const ID_IN_TEXT = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;

function maskIds(text: string): string {
  return text.replace(ID_IN_TEXT, (m) => (isValidResidentId(m.toUpperCase()) ? maskResidentId(m) : m));
}

// ---- Mobile numbers, in every written form ----
//
// The text is first normalised one UTF-16 unit for one (full-width digits, ＋, brackets, dashes
// and spaces to their ASCII forms), so that positions in the normalised copy are positions in the
// original. A mobile is an optional country code (+86, 86, 0086, (+86), （+86）) and 1[3-9] plus 9
// digits, with up to three spaces or hyphens between any two digits, not glued to other digits.
// The mask stars the 4th to 7th digit of the national number and keeps everything else, so the
// shape stays readable: +86 178 **** 8322, 86-178-****-8322, (+86)178****8322, 178****8322.

const PHONE_NORMAL: Record<string, string> = {
  '＋': '+',
  '（': '(',
  '）': ')',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '—': '-',
  '－': '-',
  '−': '-',
  '\t': ' ',
  '\u00a0': ' ',
  '\u3000': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
};

const NEEDS_NORMALISING = /[\uff10-\uff19＋（）‐‑‒–—－−\t\u00a0\u3000\u2002\u2003\u2009\u202f]/;

function normalisePhoneText(text: string): string {
  if (!NEEDS_NORMALISING.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xff10 && c <= 0xff19) out += String.fromCharCode(c - 0xff10 + 48);
    else out += PHONE_NORMAL[text[i]] ?? text[i];
  }
  return out;
}

const MOBILE_IN_TEXT = /(?<![\d+])(?:(?:\(\s?\+?(?:00)?86\s?\)|\+\s?(?:00)?86|00\s?86|86)[ -]{0,3})?(1[3-9](?:[ -]{0,3}\d){9})(?!\d)/g;

/** Each mobile number in the text: where its national part starts and ends (in `text`), and its 11 digits. */
export function findMobileNumbers(text: string): Array<{ start: number; end: number; number: string }> {
  const found: Array<{ start: number; end: number; number: string }> = [];
  if (text.length < 11) return found;
  for (const m of normalisePhoneText(text).matchAll(MOBILE_IN_TEXT)) {
    const end = m.index + m[0].length;
    found.push({ start: end - m[1].length, end, number: m[1].replace(/\D/g, '') });
  }
  return found;
}

/**
 * Masks every mobile number in the text, whatever its form, keeping the form's shape. The one
 * matcher both the sample masking and the audit log's variable masking use.
 */
export function maskPhoneNumbers(text: string): string {
  const found = findMobileNumbers(text);
  if (found.length === 0) return text;
  let out = '';
  let last = 0;
  for (const { start, end } of found) {
    out += text.slice(last, start);
    let digits = 0;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      const isDigit = (c >= 48 && c <= 57) || (c >= 0xff10 && c <= 0xff19);
      if (isDigit) digits++;
      out += isDigit && digits >= 4 && digits <= 7 ? '*' : text[i];
    }
    last = end;
  }
  return out + text.slice(last);
}

/** Masks every ID number (checksum-valid) and every mobile number (any written form) in free text. */
export function maskFreeText(text: string): string {
  return maskPhoneNumbers(maskIds(text));
}

// ---- Addresses ----
//
// Cut after the district-level unit (区, 县, 旗, or a county-level 市): 省 / 自治区 / 特别行政区,
// then 市 / 自治州 / 地区 / 盟, then the district. Without a district the cut is after the city,
// without any of them the whole address is hidden.

const PROVINCE = '[^\\s\\d*省市区县路街道巷号]{2,7}?(?:省|自治区|特别行政区)';
const CITY = '[^\\s\\d*省市区县路街道巷号]{2,9}?(?:市|自治州|地区|盟)';
const DISTRICT = '[^\\s\\d*省市区县旗路街道巷号]{1,8}?(?:区|县|旗|市)';
const ADMIN_PREFIX = new RegExp(`^\\s*(?:${PROVINCE})?(?:${CITY})?(?:${DISTRICT})?`);
const ENGLISH_UNITS = [/(?:[A-Za-z'’-]+\s+)?\b(?:district|county|banner|qu|xian)\b.*$/i, /(?:[A-Za-z'’-]+\s+)?\b(?:city|prefecture|province|shi|sheng)\b.*$/i];

/** 北京市朝阳区建国路169号8栋2单元1307室 → 北京市朝阳区****; no more than a district stays as it is. */
export function maskAddress(address: string): string {
  const value = address.trim();
  if (value === '') return address;
  const prefix = ADMIN_PREFIX.exec(value)![0].trim();
  if (prefix !== '') return prefix === value ? value : `${prefix}****`;
  // English order runs from the room up to the country: keep the district (or city) and what follows.
  if (/[A-Za-z]/.test(value)) {
    const parts = value.split(',').map((p) => p.trim());
    for (const unit of ENGLISH_UNITS) {
      const at = parts.findIndex((p) => unit.test(p));
      if (at < 0) continue;
      const kept = [unit.exec(parts[at])![0], ...parts.slice(at + 1)].join(', ');
      return kept === value ? value : `****, ${kept}`;
    }
  }
  return '****';
}

// An address inside free text (家住北京市朝阳区建国路169号8栋…): the district is kept, the
// street-level detail up to the next punctuation or space is hidden. Only a tail with a number
// and a house, building, unit or room word counts, so 北京市朝阳区人民法院 stays.
const ADDRESS_IN_TEXT = new RegExp(
  `((?:${PROVINCE})?(?:${CITY})?[^\\s\\d*省市区县旗路街道巷号，。；;,、()（）]{1,8}?(?:区|县|旗))([^\\s，。；;,、！？!?()（）]*?\\d+\\s*(?:号|栋|幢|座|单元|室|楼|弄)[^\\s，。；;,、！？!?()（）]*)`,
  'g',
);

function maskAddressesInText(text: string): string {
  return text.replace(ADDRESS_IN_TEXT, (_m, district: string) => `${district}****`);
}

// ---- Columns by meaning ----

type ColumnKind = 'id' | 'mobile' | 'phone' | 'name' | 'legal-representative' | 'home-address' | 'address' | 'text';

/** The column name without case, spaces, underscores, hyphens or brackets: "Home_Address" → "homeaddress". */
function normaliseColumn(column: string): string {
  return column
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:：()（）/]/g, '');
}

export function columnKind(column: string): ColumnKind {
  const c = normaliseColumn(column);
  if (/身份证|证件号|公民身份号码|^(?:idcard|idno|idnumber|residentid|citizenid|nationalid)/.test(c)) return 'id';
  if (/手机|移动电话|^(?:mobile|cellphone|cell)/.test(c)) return 'mobile';
  if (/电话|联系方式|phone|^tel/.test(c)) return 'phone';
  // Published in the enterprise credit registry: see the header.
  if (/^(?:法定代表人|法人代表|法人)(?:姓名)?$|^legal(?:representative|person)(?:name)?$/.test(c)) return 'legal-representative';
  if (/^(?:名字|联系人|持卡人|监护人|患者|驾驶人|name|fullname|realname|personname|contact|contactname)$/.test(c) || /姓名/.test(c)) return 'name';
  // Not a place: IP, e-mail, web and wallet addresses.
  if (
    /^(?:ip|ipv[46]|mac)(?:地址|address|addr)?$|ip地址|ipaddr|ipv[46]|mac地址|macaddr|邮箱|邮件|电子邮|email|^mail(?:address|addr)?$|网址|url|website|webaddress|链接|钱包|wallet|服务器|server|hostaddr/.test(
      c,
    )
  )
    return 'text';
  // Where a person lives: personal by its meaning alone.
  if (/住址|家庭地址|居住地|户籍|暂住|现住|homeaddress|residentialaddress|residence|^home$/.test(c)) return 'home-address';
  if (/地址|住所|所在地|address|^addr/.test(c)) return 'address';
  return 'text';
}

/** Kinds whose presence makes every row of the sample one about a person. */
const PERSON_KINDS: ReadonlySet<ColumnKind> = new Set(['id', 'mobile', 'name', 'home-address']);

function maskValue(kind: ColumnKind, value: string, personRow: boolean): string {
  switch (kind) {
    case 'id':
      return maskResidentId(value);
    case 'mobile':
      return /^\d{11}$/.test(value) ? maskMobile(value) : maskFreeText(value);
    case 'phone':
      // Also a landline's column (a clinic's 联系电话): only the mobile numbers in it are masked.
      return maskFreeText(value);
    case 'name':
      return maskPersonName(value);
    case 'home-address':
      return maskFreeText(maskAddress(value));
    case 'address':
      return maskFreeText(personRow ? maskAddress(value) : value);
    case 'legal-representative':
    case 'text':
      return personRow ? maskAddressesInText(maskFreeText(value)) : maskFreeText(value);
  }
}

export interface MaskedSample extends DataSampleRows {
  masked: boolean;
}

/** Masks a sample for a caller without personal-information clearance; `masked` says whether anything changed. */
export function maskSample(sample: DataSampleRows): MaskedSample {
  const kinds = sample.columns.map(columnKind);
  const aboutPeople = kinds.some((k) => PERSON_KINDS.has(k));
  let changed = false;
  const rows = sample.rows.map((row) => {
    let personRow = aboutPeople;
    let masked = row.map((value, i) => (value === null || value === '' ? value : maskValue(kinds[i] ?? 'text', value, personRow)));
    // A row of a sample not about people still describes a person when it holds an ID or mobile
    // number (masking changed a cell): then its addresses are cut too.
    if (!personRow && masked.some((v, i) => v !== row[i])) {
      personRow = true;
      masked = row.map((value, i) => (value === null || value === '' ? value : maskValue(kinds[i] ?? 'text', value, personRow)));
    }
    if (!changed && masked.some((v, i) => v !== row[i])) changed = true;
    return masked;
  });
  return { columns: sample.columns, rows, masked: changed };
}

// Masks personal information in sample rows (domain.md): ID number 110105********002X,
// mobile 138****1234, name 张*丰. Columns are masked by what their name says they hold, and
// every other value is scanned for ID and mobile numbers embedded in free text.

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

// Digit runs not glued to other digits: an 18-character ID (17 digits + digit/X) or an 11-digit mobile.
const ID_IN_TEXT = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
const MOBILE_IN_TEXT = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

/** Masks every ID number (checksum-valid, or 18 digits in a column named for IDs) and mobile in free text. */
export function maskFreeText(text: string): string {
  return text
    .replace(ID_IN_TEXT, (m) => (isValidResidentId(m.toUpperCase()) ? maskResidentId(m) : m))
    .replace(MOBILE_IN_TEXT, (m) => maskMobile(m));
}

type ColumnKind = 'id' | 'mobile' | 'name' | 'address' | 'text';

function columnKind(column: string): ColumnKind {
  const c = column.toLowerCase();
  if (/身份证|证件号|id ?(card|no|number)|idcard/.test(c)) return 'id';
  if (/手机|电话|联系方式|mobile|phone|tel/.test(c)) return 'mobile';
  if (/^(姓名|名字|联系人|法人|持卡人|监护人|患者|name|full ?name|contact)$/.test(c) || /姓名/.test(c)) return 'name';
  if (/住址|家庭地址|居住地|home ?address/.test(c)) return 'address';
  return 'text';
}

function maskAddress(address: string): string {
  // Keep the district-level prefix, hide street and number.
  const chars = [...address];
  return chars.slice(0, Math.min(6, chars.length)).join('') + (chars.length > 6 ? '****' : '');
}

function maskValue(kind: ColumnKind, value: string): string {
  switch (kind) {
    case 'id':
      return maskResidentId(value);
    case 'mobile':
      return /^\d{11}$/.test(value) ? maskMobile(value) : maskFreeText(value);
    case 'name':
      return maskPersonName(value);
    case 'address':
      return maskFreeText(maskAddress(value));
    case 'text':
      return maskFreeText(value);
  }
}

export interface MaskedSample extends DataSampleRows {
  masked: boolean;
}

/** Masks a sample for a caller without personal-information clearance; `masked` says whether anything changed. */
export function maskSample(sample: DataSampleRows): MaskedSample {
  const kinds = sample.columns.map(columnKind);
  let changed = false;
  const rows = sample.rows.map((row) =>
    row.map((value, i) => {
      if (value === null || value === '') return value;
      const masked = maskValue(kinds[i] ?? 'text', value);
      if (masked !== value) changed = true;
      return masked;
    }),
  );
  return { columns: sample.columns, rows, masked: changed };
}

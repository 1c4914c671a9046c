// Pure helpers shared by the exchange mappings: money, prices, times, classification words,
// lists and payload decoding. No I/O; every function is deterministic.
//
// Money rule: amounts are integer fen computed from the decimal text (never through floats).
// Sub-fen amounts round half up ("0.125" yuan → 13 fen), except that a positive price never
// rounds down to 0: "0.0028元/次" is 0.28 fen and becomes 1 fen, so a paid plan can never
// look free in filters and sorting. The exact wording stays in PricePlan.text.

import { parse as parseLossless, isSafeNumber, LosslessNumber } from 'lossless-json';
import type { ZodError } from 'zod';
import { UpstreamError } from './errors.ts';
import type { Classification, DataLevel, DeliveryMethod, Openness, PricePlan, PricingModel, UpdateFrequency } from './model.ts';
import { SECTORS, sectorByName } from './sectors.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

// ───────────── money ─────────────

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * Decimal text in some unit → integer in 1/100 of that unit, rounding half up, with an
 * optional power-of-ten multiplier (4 for 万, 8 for 亿). Null when not a plain decimal or
 * not a safe integer. Thousands separators are tolerated.
 */
function decimalToHundredths(text: string, tenPower = 0): number | null {
  const m = DECIMAL.exec(text.trim().replace(/[,，]/g, ''));
  if (!m) return null;
  const [, sign, intPart, frac = ''] = m;
  // Shift the decimal point right by 2 + tenPower digits, on strings.
  const shift = 2 + tenPower;
  const digits = intPart + frac.padEnd(shift, '0').slice(0, shift);
  const rest = frac.slice(shift);
  let value = BigInt(digits);
  if (rest.length > 0 && rest[0] >= '5') value += 1n;
  else if (value === 0n && /[1-9]/.test(rest)) value = 1n; // positive but below half a fen
  if (sign === '-') value = -value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}

/** Yuan decimal text ("1200.00", "0.05", "1,200") → integer fen; null when not a number. */
export function yuanToFen(text: string): number | null {
  return decimalToHundredths(text);
}

const NEGOTIABLE_WORDS = ['面议', '议价', '协商', '按需', '咨询', '询价'];
const FREE_WORDS = ['免费'];

/** Normalises a price unit: "元/次" → "次", "/千条" → "千条", "元" or "" → null. */
export function normalizeUnit(unit: string | null | undefined): string | null {
  if (unit == null) return null;
  const u = unit
    .trim()
    .replace(/^(人民币)?[元¥￥]?\s*[/／每]?\s*/, '')
    .trim();
  return u === '' ? null : u;
}

/** Pricing model implied by a unit ("次" per call, "千条" per record, "月", "年"); else one-time. */
export function modelFromUnit(unit: string | null): PricingModel {
  if (unit === null) return 'ONE_TIME';
  if (/^次|^调用|^查询/.test(unit)) return 'PER_CALL';
  if (/条$/.test(unit)) return 'PER_RECORD';
  if (/^(个)?月$/.test(unit)) return 'MONTHLY';
  if (/^年$/.test(unit)) return 'YEARLY';
  return 'ONE_TIME';
}

/** Charge-mode words of Beijing (priceType) and Shanghai (chargeMode). */
const CHARGE_MODES: Record<string, PricingModel> = {
  按次: 'PER_CALL',
  按条: 'PER_RECORD',
  包月: 'MONTHLY',
  按月: 'MONTHLY',
  包年: 'YEARLY',
  按年: 'YEARLY',
  一次性: 'ONE_TIME',
  面议: 'NEGOTIABLE',
  免费: 'FREE',
};

export function modelFromChargeMode(word: string): PricingModel | null {
  return CHARGE_MODES[word.trim()] ?? null;
}

/**
 * The unit a charge mode implies when the upstream gives none (Shanghai list prices). Per-record
 * prices get none: the base (per 条, per 千条) is not implied and guessing would be off by 1000×.
 */
export function unitForModel(model: PricingModel): string | null {
  switch (model) {
    case 'PER_CALL':
      return '次';
    case 'MONTHLY':
      return '月';
    case 'YEARLY':
      return '年';
    default:
      return null;
  }
}

export function negotiablePlan(text: string | null): PricePlan {
  return { model: 'NEGOTIABLE', amountFen: null, currency: 'CNY', unit: null, negotiable: true, text };
}

export function freePlan(text: string | null): PricePlan {
  return { model: 'FREE', amountFen: 0, currency: 'CNY', unit: null, negotiable: false, text };
}

const PRICE_TEXT = /^(?:价格[:：]?\s*)?[¥￥]?\s*(\d[\d,，]*(?:\.\d+)?)\s*(万|亿)?\s*元?\s*(?:[/／每]\s*(.+?))?\s*(?:起)?$/;

/**
 * Free-text price ("0.05元/次", "3000元/月", "12000元/年", "5元/千条", "1.2万元/年", "面议",
 * "按需收费", "免费") → PricePlan keeping the text. Text without any figure counts as
 * negotiable; text with figures that does not parse gives null (never a guessed amount).
 */
export function parsePriceText(raw: string): PricePlan | null {
  const text = raw.trim();
  if (text === '') return null;
  if (NEGOTIABLE_WORDS.some((w) => text.includes(w))) return negotiablePlan(text);
  if (FREE_WORDS.includes(text)) return freePlan(text);
  // No figure at all ("价格请咨询客服", "详谈"): in practice a price on request.
  if (!/\d/.test(text)) return negotiablePlan(text);
  const m = PRICE_TEXT.exec(text);
  if (!m) return null;
  const [, amount, multiplier, unitText] = m;
  const fen = decimalToHundredths(amount, multiplier === '万' ? 4 : multiplier === '亿' ? 8 : 0);
  if (fen === null) return null;
  if (fen === 0) return freePlan(text);
  const unit = normalizeUnit(unitText ?? null);
  return { model: modelFromUnit(unit), amountFen: fen, currency: 'CNY', unit, negotiable: false, text };
}

/**
 * A yuan-string price with a separate unit (Beijing: price "1200.00" | "面议" | "", priceUnit
 * "元/次"); `model` overrides the unit-derived model when the upstream states one.
 */
export function planFromYuan(price: string, priceUnit: string | null, model?: PricingModel | null): PricePlan | null {
  const p = price.trim();
  const unit = normalizeUnit(priceUnit);
  if (model === 'NEGOTIABLE' || NEGOTIABLE_WORDS.some((w) => p.includes(w))) return negotiablePlan(p === '' ? '面议' : p);
  if (model === 'FREE' || p === '免费') return freePlan(p === '' ? '免费' : p);
  const text = p === '' ? null : `${p}${priceUnit ?? ''}`;
  if (p === '') return null;
  const fen = yuanToFen(p);
  if (fen === null || fen < 0) return null;
  if (fen === 0 && !model) return freePlan(text);
  return { model: model ?? modelFromUnit(unit), amountFen: fen, currency: 'CNY', unit, negotiable: false, text };
}

/** A price already in integer fen (Shanghai); null fen means negotiable. */
export function planFromFen(fen: number | null, model: PricingModel, unit: string | null, text: string | null = null): PricePlan {
  if (model === 'NEGOTIABLE' || fen === null) return negotiablePlan(text);
  if (model === 'FREE') return freePlan(text);
  return { model, amountFen: fen, currency: 'CNY', unit: normalizeUnit(unit) ?? unitForModel(model), negotiable: false, text };
}

/**
 * Registered capital ("1000万元人民币", "50万美元", "300万元", "1.5亿元") → amount in the
 * minor unit of its currency (fen for CNY) and the ISO currency; null when unreadable.
 */
export function parseCapital(raw: string): { amountMinor: number; currency: string } | null {
  const text = raw.trim().replace(/\s+/g, '');
  const m = /^(\d[\d,]*(?:\.\d+)?)(万|亿)?(元)?(人民币|美元|港元|港币|欧元|日元|英镑)?$/.exec(text);
  if (!m) return null;
  const [, amount, multiplier, yuan, currencyWord] = m;
  const currency = !currencyWord || currencyWord === '人民币' ? 'CNY' : CURRENCIES[currencyWord];
  // "50万" alone is CNY by convention; "元" alone is CNY too.
  if (!currencyWord && !yuan && !multiplier) return null;
  const minor = decimalToHundredths(amount, multiplier === '万' ? 4 : multiplier === '亿' ? 8 : 0);
  return minor === null ? null : { amountMinor: minor, currency };
}

const CURRENCIES: Record<string, string> = { 美元: 'USD', 港元: 'HKD', 港币: 'HKD', 欧元: 'EUR', 日元: 'JPY', 英镑: 'GBP' };

// ───────────── time (everything ends as ISO-8601 with +08:00, second precision) ─────────────

const CHINA_OFFSET_MS = 8 * 3600 * 1000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

function isoChina(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): string | null {
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}+08:00`;
}

/** Naive China time "yyyy-MM-dd HH:mm:ss" (or date only "yyyy-MM-dd") → ISO +08:00; null if invalid. */
export function chinaLocalToIso(text: string): string | null {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  return isoChina(+y, +mo, +d, +h, +mi, +s);
}

/** Epoch milliseconds → ISO +08:00 (milliseconds dropped so all exchanges sort alike). */
export function epochMsToIso(ms: number): string | null {
  if (!Number.isFinite(ms)) return null;
  const d = new Date(Math.trunc(ms) + CHINA_OFFSET_MS);
  if (Number.isNaN(d.getTime())) return null;
  return isoChina(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

/** "2024年05月06日" (padding optional) → "2024-05-06T00:00:00+08:00"; null if invalid. */
export function chineseDateToIso(text: string): string | null {
  const m = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(text.trim());
  return m ? isoChina(+m[1], +m[2], +m[3]) : null;
}

/** China wall-clock "yyyy-MM-dd HH:mm:ss" of an instant (Guiyang's gateway timestamp). */
export function formatChinaTime(ms: number): string {
  const d = new Date(ms + CHINA_OFFSET_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Calendar date "yyyy-MM-dd" validated, else null. */
export function isoDateOnly(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  return m && validDate(+m[1], +m[2], +m[3]) ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

// ───────────── classification ─────────────

/**
 * Level words of all exchanges: "一般数据" / "一般" / "一般3级" → GENERAL (grade from the word
 * when present), "重要数据" / "重要" → IMPORTANT, "核心数据" / "核心" → CORE.
 */
export function parseLevel(word: string): { level: DataLevel; grade: number | null } | null {
  const w = word.trim();
  const general = /^一般(?:数据)?(?:([1-4一二三四])级)?$/.exec(w);
  if (general) return { level: 'GENERAL', grade: general[1] ? gradeDigit(general[1]) : null };
  if (/^重要(数据)?$/.test(w)) return { level: 'IMPORTANT', grade: null };
  if (/^核心(数据)?$/.test(w)) return { level: 'CORE', grade: null };
  return null;
}

function gradeDigit(c: string): number {
  return '1一'.includes(c) ? 1 : '2二'.includes(c) ? 2 : '3三'.includes(c) ? 3 : 4;
}

/**
 * Grade to keep for a level: only GENERAL data has sub-grades 1..4. Returns undefined when
 * the grade is out of range (the caller rejects the item rather than under-classify it).
 */
export function gradeFor(level: DataLevel, grade: number | null): number | null | undefined {
  if (level !== 'GENERAL') return null;
  if (grade === null) return null;
  return Number.isInteger(grade) && grade >= 1 && grade <= 4 ? grade : undefined;
}

const OPENNESS: Record<string, Openness> = {
  无条件开放: 'UNCONDITIONAL',
  有条件开放: 'CONDITIONAL',
  不予开放: 'NOT_OPEN',
  PUBLIC: 'UNCONDITIONAL',
  RESTRICTED: 'CONDITIONAL',
  NON_PUBLIC: 'NOT_OPEN',
};

/** Openness words ("无条件开放"…) and DCAT access rights ("PUBLIC"…). */
export function parseOpenness(word: string): Openness | null {
  return OPENNESS[word.trim()] ?? null;
}

/** "是"/"否", 1/0, true/false → boolean; null when none of those. */
export function parseYesNo(v: string | number | boolean): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === '是' || v === 'Y' || v === 'y') return true;
  if (v === 0 || v === '0' || v === '否' || v === 'N' || v === 'n') return false;
  return null;
}

// ───────────── delivery / frequency vocabularies of all exchanges ─────────────

const DELIVERY: Record<string, DeliveryMethod> = {
  API: 'API',
  API接口: 'API',
  接口: 'API',
  文件下载: 'FILE',
  文件: 'FILE',
  FILE: 'FILE',
  数据沙箱: 'SANDBOX',
  沙箱: 'SANDBOX',
  SANDBOX: 'SANDBOX',
  隐私计算: 'PRIVACY_COMPUTING',
  MPC: 'PRIVACY_COMPUTING',
  线下交付: 'OFFLINE',
  线下: 'OFFLINE',
  OFFLINE: 'OFFLINE',
};

export function parseDelivery(word: string): DeliveryMethod | null {
  const w = word.trim();
  return DELIVERY[w] ?? DELIVERY[w.toUpperCase()] ?? null;
}

const FREQUENCY: Record<string, UpdateFrequency> = {
  实时: 'REALTIME',
  每日: 'DAILY',
  每天: 'DAILY',
  每周: 'WEEKLY',
  每月: 'MONTHLY',
  每季度: 'QUARTERLY',
  每年: 'YEARLY',
  不定期: 'IRREGULAR',
  一次性: 'ONCE',
  REALTIME: 'REALTIME',
  DAILY: 'DAILY',
  WEEKLY: 'WEEKLY',
  MONTHLY: 'MONTHLY',
  QUARTERLY: 'QUARTERLY',
  YEARLY: 'YEARLY',
  IRREGULAR: 'IRREGULAR',
  ONCE: 'ONCE',
};

export function parseFrequency(word: string): UpdateFrequency | null {
  return FREQUENCY[word.trim()] ?? null;
}

// ───────────── sectors ─────────────

// Names compared without punctuation and spaces, so "农林牧渔业" matches "农、林、牧、渔业".
const looseKey = (name: string) => name.replace(/[\s、，,．.·]/g, '');
const sectorByLooseName = new Map(SECTORS.map((s) => [looseKey(s.name), s.code]));

/** GB/T 4754 section code of a Chinese section name (exact, then punctuation-insensitive). */
export function sectorCodeFromName(name: string): string | null {
  return sectorByName(name)?.code ?? sectorByLooseName.get(looseKey(name)) ?? null;
}

// ───────────── lists ─────────────

/** Trims, drops empties and duplicates, keeps first-seen order. */
export function uniqueStrings(values: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const v of values) {
    const t = v.trim();
    if (t !== '') seen.add(t);
  }
  return [...seen];
}

/**
 * Splits a comma-joined list (ASCII or full-width commas, semicolons). Not on "、": GB/T 4754
 * section names contain it ("农、林、牧、渔业").
 */
export function splitList(text: string | null | undefined): string[] {
  return text ? uniqueStrings(text.split(/[,，;；]/)) : [];
}

// ───────────── payload decoding ─────────────

/** JSON.parse that fails as UpstreamError(ErrorCode.UPSTREAM_ERROR) naming what was being read. */
export function parseJson(text: string, upstream: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, upstream, `${what}: response is not valid JSON (${shortSyntaxError(err)})`, { cause: err });
  }
}

/**
 * Lossless JSON parse: safe numbers become numbers, anything that would lose precision (19-digit
 * ids) stays a LosslessNumber holding the exact decimal text.
 */
export function parseJsonLossless(text: string, upstream: string, what: string): unknown {
  try {
    return parseLossless(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : new LosslessNumber(value)));
  } catch (err) {
    throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, upstream, `${what}: response is not valid JSON (${shortSyntaxError(err)})`, { cause: err });
  }
}

function shortSyntaxError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 120 ? `${msg.slice(0, 120)}…` : msg;
}

/** "data.records[3].uuid: Invalid input…; …" from a ZodError, first few issues only. */
export function describeZodError(err: ZodError, max = 3): string {
  const parts = err.issues.slice(0, max).map((i) => {
    const path = i.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    return `${path || '(root)'}: ${i.message}`;
  });
  const more = err.issues.length > max ? ` (+${err.issues.length - max} more)` : '';
  return parts.join('; ') + more;
}

/** Truncates upstream-provided text before it goes into an error message. */
export function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Trimmed text, or null when absent or blank. */
export function blankToNull(s: string | null | undefined): string | null {
  const t = s?.trim();
  return t ? t : null;
}

/** An optional positive integer option, defaulted and capped at the upstream's limit. */
export function clampInt(value: number | undefined, fallback: number, max: number): number {
  const v = value === undefined || !Number.isFinite(value) ? fallback : Math.floor(value);
  return Math.min(Math.max(1, v), max);
}

/** Splits an array into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ───────────── per-item validation ─────────────

/** Thrown by an item mapper when one listing cannot be mapped; becomes a `skipped` entry. */
export class ItemRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ItemRejected';
  }
}

export function reject(reason: string): never {
  throw new ItemRejected(reason);
}

/**
 * Maps the items of one page; an item whose mapper throws ItemRejected is skipped with its
 * reason instead of failing the page. Other exceptions are bugs and propagate.
 */
export function mapItems<T>(
  items: readonly unknown[],
  nativeIdOf: (raw: unknown) => string | null,
  map: (raw: unknown) => T,
): { records: T[]; skipped: Array<{ nativeId: string | null; reason: string }> } {
  const records: T[] = [];
  const skipped: Array<{ nativeId: string | null; reason: string }> = [];
  for (const raw of items) {
    try {
      records.push(map(raw));
    } catch (err) {
      if (!(err instanceof ItemRejected)) throw err;
      let nativeId: string | null = null;
      try {
        nativeId = nativeIdOf(raw);
      } catch {
        nativeId = null;
      }
      skipped.push({ nativeId, reason: err.message });
    }
  }
  return { records, skipped };
}

/** Reads a property of an unknown value without trusting its shape. */
export function prop(raw: unknown, key: string): unknown {
  return raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined;
}

/**
 * A listing's classification from what every exchange states: sensitive personal information
 * is personal information too, whatever the exchange's own flag says (PIPL art. 28).
 */
export function classificationOf(level: DataLevel, grade: number | null | undefined, pi: boolean, spi: boolean, openness: Openness): Classification {
  return { level, grade: grade ?? null, containsPersonalInfo: pi || spi, sensitivePersonalInfo: spi, openness };
}

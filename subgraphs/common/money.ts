// Model → GraphQL shapes for money and prices, shared by every subgraph that returns them.
//
// Sub-fen prices. The model keeps integer fen (`amountFen`), rounded by the adapters' money rule
// (subgraphs/common/normalize.ts: half up, and a positive price never below 1 fen), so
// "0.0035元/次" is 1 fen, the same as "0.01元/次". The exact amount is what the exchange wrote
// in the plan's `text`; `exactYuanOf` recovers it from there, and only when the wording's one
// figure rounds to the plan's `amountFen` under that same rule (otherwise — several figures,
// text edited apart from the amount, no text — `amountFen` is taken as exact). GraphQL shows
// both: `Money.amountFen`/`yuan` rounded (the contract's integer fen), `Money.exactYuan` exact;
// the catalog filters (`maxPriceFen`) and sorts (`PRICE_ASC`/`PRICE_DESC`) on the exact amount
// (`exactFenOf`). Rounding is monotonic, so the exact order never contradicts `amountFen`'s:
// it only separates amounts that round to the same fen.

import type { PricePlan } from './model.ts';
import { yuanToFen } from './normalize.ts';

export interface MoneyShape {
  amountFen: number;
  currency: string;
  /** Two decimals, from amountFen (rounded). */
  yuan: string;
  /** Exact decimal yuan, at least two decimals ("0.0035", "1200.00"). */
  exactYuan: string;
}

/** Yuan with two decimals from integer fen, without floating-point error. */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function toMoney(amountFen: number, currency = 'CNY', exactYuan?: string): MoneyShape {
  return { amountFen, currency, yuan: fenToYuan(amountFen), exactYuan: exactYuan ?? fenToYuan(amountFen) };
}

/** A figure in price wording: digits with thousands separators and decimals, then 万/亿. */
const FIGURE = /\d[\d,，]*(?:\.\d+)?/g;

/** "1,200.5" shifted `tenPower` places left-to-right (万 = 4) → canonical decimal, ≥ 2 decimals. */
function canonicalDecimal(figure: string, tenPower: number): string | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(figure.replace(/[,，]/g, ''));
  if (!m) return null;
  const [, intPart, frac = ''] = m;
  const padded = frac.padEnd(tenPower, '0');
  let int = (intPart + padded.slice(0, tenPower)).replace(/^0+(?=\d)/, '');
  let rest = padded.slice(tenPower).replace(/0+$/, '');
  if (int === '') int = '0';
  rest = rest.padEnd(2, '0');
  return `${int}.${rest}`;
}

/**
 * The plan's amount in exact decimal yuan (at least two decimals), or null when it has none
 * (negotiable). See the file header for where it comes from.
 */
export function exactYuanOf(plan: Pick<PricePlan, 'amountFen' | 'text'>): string | null {
  if (plan.amountFen === null) return null;
  const fallback = fenToYuan(plan.amountFen);
  const text = plan.text;
  if (!text) return fallback;
  const figures = [...text.matchAll(FIGURE)];
  if (figures.length !== 1) return fallback;
  const figure = figures[0];
  const after = text.slice(figure.index! + figure[0].length).trimStart();
  const tenPower = after.startsWith('万') ? 4 : after.startsWith('亿') ? 8 : 0;
  const exact = canonicalDecimal(figure[0], tenPower);
  // Only an amount that the adapters' own rounding turns into this plan's amountFen.
  if (exact === null || yuanToFen(exact) !== plan.amountFen) return fallback;
  return exact;
}

/** The exact amount in fen as a number (0.35 for 0.0035 yuan), for filtering and sorting; null when none. */
export function exactFenOf(plan: Pick<PricePlan, 'amountFen' | 'text'>): number | null {
  const yuan = exactYuanOf(plan);
  if (yuan === null) return null;
  // Shift the decimal point on the string: 0.57 yuan is exactly 57, not 56.99999999999999.
  const [int, frac] = yuan.split('.');
  const fen = `${int}${frac.slice(0, 2)}${frac.length > 2 ? `.${frac.slice(2)}` : ''}`;
  return Number(fen);
}

export interface PricePlanShape {
  model: PricePlan['model'];
  price: MoneyShape | null;
  unit: string | null;
  negotiable: boolean;
  text: string | null;
}

/**
 * A plan's shape is read for every listing of every answer (the catalog's headline prices, an
 * exchange's pricing): built once per plan object and shared, frozen so no reader can change
 * what the next one sees. Plans are never changed in place (a harvest or a fetch makes new ones).
 */
const shapes = new WeakMap<PricePlan, PricePlanShape>();

export function toPricePlanShape(plan: PricePlan): PricePlanShape {
  const known = shapes.get(plan);
  if (known) return known;
  const shape: PricePlanShape = Object.freeze({
    model: plan.model,
    price: plan.amountFen === null ? null : Object.freeze(toMoney(plan.amountFen, plan.currency, exactYuanOf(plan) ?? undefined)),
    unit: plan.unit,
    negotiable: plan.negotiable,
    text: plan.text,
  });
  shapes.set(plan, shape);
  return shape;
}

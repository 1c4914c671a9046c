// Model → GraphQL shapes for money and prices, shared by every subgraph that returns them.

import type { PricePlan } from './model.ts';

export interface MoneyShape {
  amountFen: number;
  currency: string;
  yuan: string;
}

/** Yuan with two decimals from integer fen, without floating-point error. */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function toMoney(amountFen: number, currency = 'CNY'): MoneyShape {
  return { amountFen, currency, yuan: fenToYuan(amountFen) };
}

export interface PricePlanShape {
  model: PricePlan['model'];
  price: MoneyShape | null;
  unit: string | null;
  negotiable: boolean;
  text: string | null;
}

export function toPricePlanShape(plan: PricePlan): PricePlanShape {
  return {
    model: plan.model,
    price: plan.amountFen === null ? null : toMoney(plan.amountFen, plan.currency),
    unit: plan.unit,
    negotiable: plan.negotiable,
    text: plan.text,
  };
}

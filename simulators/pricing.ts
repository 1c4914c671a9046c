// Canonical price plans of listings: per call (0.0028 yuan), per 1,000 records (5–135 yuan),
// monthly, yearly, one-time, negotiable, free. Amounts are kept as exact decimals so each
// upstream can render them its own way (yuan string, integer fen, free text).

import type { PricingModel, ProductType } from '../subgraphs/common/model.ts';
import type { Rng } from './random.ts';

export type PriceUnit = '次' | '千条' | '月' | '年';

export interface WorldPrice {
  model: PricingModel;
  /** Exact yuan with at least two decimals ("0.0028", "3000.00", "0.00"); null when negotiable. */
  yuan: string | null;
  /**
   * Amount in fen; null when negotiable. Fractional only for sub-fen per-call prices
   * (0.0028 yuan = 0.28 fen), which only Beijing and Guiyang carry: Shanghai speaks integer fen.
   */
  amountFen: number | null;
  /** What the amount is per; null for one-time, negotiable and free. */
  unit: PriceUnit | null;
}

const UNIT_OF: Record<PricingModel, PriceUnit | null> = {
  PER_CALL: '次',
  PER_RECORD: '千条',
  MONTHLY: '月',
  YEARLY: '年',
  ONE_TIME: null,
  NEGOTIABLE: null,
  FREE: null,
};

/** Builds a price from an amount in ten-thousandths of a yuan (exact integer arithmetic). */
function priceOf(model: PricingModel, tenThousandths: number | null): WorldPrice {
  if (tenThousandths === null) return { model, yuan: null, amountFen: null, unit: UNIT_OF[model] };
  const whole = Math.floor(tenThousandths / 10000);
  let decimals = String(tenThousandths % 10000).padStart(4, '0');
  while (decimals.length > 2 && decimals.endsWith('0')) decimals = decimals.slice(0, -1);
  return { model, yuan: `${whole}.${decimals}`, amountFen: tenThousandths / 100, unit: UNIT_OF[model] };
}

const yuanUnits = (yuan: number): number => Math.round(yuan * 10000);

const SUB_FEN_PER_CALL = [0.0028, 0.0035, 0.005, 0.0068, 0.008];
const PER_CALL = [0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8, 1, 1.5, 2];
const MONTHLY = [1000, 2000, 3000, 3000, 5000, 8000, 10000, 20000];
const YEARLY = [12000, 24000, 36000, 50000, 80000, 120000, 200000, 360000];
const ONE_TIME = [800, 1500, 3000, 5000, 9800, 20000, 50000, 100000, 280000, 500000];

export interface PriceRules {
  /** Whether per-call prices below one fen may occur (not on Shanghai, which speaks integer fen). */
  subFenAllowed: boolean;
}

/** A paid price of the given model. */
export function pricedPlan(rng: Rng, model: PricingModel, rules: PriceRules): WorldPrice {
  switch (model) {
    case 'PER_CALL':
      return priceOf(model, yuanUnits(rules.subFenAllowed && rng.chance(0.35) ? rng.pick(SUB_FEN_PER_CALL) : rng.pick(PER_CALL)));
    case 'PER_RECORD':
      return priceOf(model, yuanUnits(rng.int(5, 135)));
    case 'MONTHLY':
      return priceOf(model, yuanUnits(rng.pick(MONTHLY)));
    case 'YEARLY':
      return priceOf(model, yuanUnits(rng.pick(YEARLY)));
    case 'ONE_TIME':
      return priceOf(model, yuanUnits(rng.pick(ONE_TIME)));
    case 'FREE':
      return priceOf(model, 0);
    case 'NEGOTIABLE':
      return priceOf(model, null);
  }
}

const PAID_MODELS: Record<ProductType, ReadonlyArray<readonly [PricingModel, number]>> = {
  API_SERVICE: [
    ['PER_CALL', 50],
    ['MONTHLY', 15],
    ['YEARLY', 12],
  ],
  DATASET: [
    ['PER_RECORD', 30],
    ['ONE_TIME', 25],
    ['YEARLY', 15],
  ],
  REPORT: [
    ['ONE_TIME', 70],
    ['YEARLY', 10],
  ],
  MODEL: [
    ['YEARLY', 30],
    ['ONE_TIME', 30],
    ['MONTHLY', 10],
  ],
  TOOL: [
    ['MONTHLY', 30],
    ['YEARLY', 30],
    ['ONE_TIME', 10],
  ],
};

/**
 * Every plan of a listing; the first is the headline the list endpoints show. About 10 % are
 * negotiable and a few % free (more for open public-service data).
 */
export function pricePlans(rng: Rng, productType: ProductType, rules: PriceRules & { freeChance: number }): WorldPrice[] {
  const roll = rng.next();
  if (roll < rules.freeChance) return [pricedPlan(rng, 'FREE', rules)];
  const models = PAID_MODELS[productType];
  if (roll < rules.freeChance + 0.1) {
    // Negotiable, sometimes with an indicative paid plan beside it.
    const plans = [pricedPlan(rng, 'NEGOTIABLE', rules)];
    if (rng.chance(0.3)) plans.push(pricedPlan(rng, rng.weighted(models), rules));
    return plans;
  }
  const headline = rng.weighted(models);
  const plans = [pricedPlan(rng, headline, rules)];
  const others = models.map(([m]) => m).filter((m) => m !== headline);
  for (const model of rng.sample(
    others,
    rng.weighted([
      [0, 4],
      [1, 4],
      [2, 2],
    ]),
  ))
    plans.push(pricedPlan(rng, model, rules));
  return plans;
}

/** "3000.00" → "3000", "12.50" → "12.5", "0.0028" stays: the way people write prices in text. */
export function plainYuan(yuan: string): string {
  return yuan.includes('.') ? yuan.replace(/0+$/, '').replace(/\.$/, '') : yuan;
}

/** Integer fen for upstreams that speak fen; throws on a sub-fen amount (a generator bug). */
export function integerFen(price: WorldPrice): number | null {
  if (price.amountFen === null) return null;
  if (!Number.isInteger(price.amountFen)) throw new Error(`price ${price.yuan} is not a whole number of fen`);
  return price.amountFen;
}

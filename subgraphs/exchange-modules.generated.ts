// Written by `npm run generate` (schema/exchange-modules.ts) from the exchange list in
// subgraphs/exchanges.ts: do not edit; add the exchange to the list and run it again.
// Each exchange's adapter: `createAdapter` of subgraphs/<id>/adapter.ts.

import type { AdapterFactory } from './common/adapter.ts';
import type { ExchangeId } from './exchanges.ts';
import { createAdapter as beijingAdapter } from './beijing/adapter.ts';
import { createAdapter as shanghaiAdapter } from './shanghai/adapter.ts';
import { createAdapter as guiyangAdapter } from './guiyang/adapter.ts';
import { createAdapter as taiyuanAdapter } from './taiyuan/adapter.ts';
import { createAdapter as shenzhenAdapter } from './shenzhen/adapter.ts';

/** Each exchange's adapter factory, by id (subgraphs/adapters.ts builds adapters with it). */
export const EXCHANGE_ADAPTERS: Readonly<Record<ExchangeId, AdapterFactory>> = {
  beijing: beijingAdapter,
  shanghai: shanghaiAdapter,
  guiyang: guiyangAdapter,
  taiyuan: taiyuanAdapter,
  shenzhen: shenzhenAdapter,
};

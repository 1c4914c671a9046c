// Written by `npm run generate` (schema/exchange-modules.ts) from the exchange list in
// subgraphs/exchanges.ts: do not edit; add the exchange to the list and run it again.
// Each exchange's simulator: `createUpstream` of simulators/<id>.ts.

import type { ExchangeId } from '../subgraphs/exchanges.ts';
import type { UpstreamFactory } from './control.ts';
import { createUpstream as beijingSimulator } from './beijing.ts';
import { createUpstream as shanghaiSimulator } from './shanghai.ts';
import { createUpstream as guiyangSimulator } from './guiyang.ts';

/** Each exchange's simulated upstream API, by id (simulators/index.ts starts simulators with it). */
export const EXCHANGE_SIMULATORS: Readonly<Record<ExchangeId, UpstreamFactory>> = {
  beijing: beijingSimulator,
  shanghai: shanghaiSimulator,
  guiyang: guiyangSimulator,
};

// Written by `npm run generate` (schema/exchange-modules.ts) from the exchange list in
// subgraphs/exchanges.ts: do not edit; add the exchange to the list and run it again.
// Each exchange's simulator: `createUpstream` and `simulator` of simulators/<id>.ts.

import type { ExchangeId } from '../subgraphs/exchanges.ts';
import type { UpstreamFactory } from './control.ts';
import type { ExchangeSimulator } from './world-types.ts';
import { createUpstream as beijingSimulator, simulator as beijingWorld } from './beijing.ts';
import { createUpstream as shanghaiSimulator, simulator as shanghaiWorld } from './shanghai.ts';
import { createUpstream as guiyangSimulator, simulator as guiyangWorld } from './guiyang.ts';
import { createUpstream as taiyuanSimulator, simulator as taiyuanWorld } from './taiyuan.ts';
import { createUpstream as shenzhenSimulator, simulator as shenzhenWorld } from './shenzhen.ts';

/** Each exchange's simulated upstream API, by id (simulators/index.ts starts simulators with it). */
export const EXCHANGE_SIMULATORS: Readonly<Record<ExchangeId, UpstreamFactory>> = {
  beijing: beijingSimulator,
  shanghai: shanghaiSimulator,
  guiyang: guiyangSimulator,
  taiyuan: taiyuanSimulator,
  shenzhen: shenzhenSimulator,
};

/** Each exchange's part of the simulated world, by id, in the list's order (simulators/world.ts builds the world from them). */
export const EXCHANGE_SIMULATOR_DESCRIPTORS: Readonly<Record<ExchangeId, ExchangeSimulator>> = {
  beijing: beijingWorld,
  shanghai: shanghaiWorld,
  guiyang: guiyangWorld,
  taiyuan: taiyuanWorld,
  shenzhen: shenzhenWorld,
};

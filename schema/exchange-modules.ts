// The import tables through which each exchange's code is found by convention from its id in
// the exchange list (subgraphs/exchanges.ts): `subgraphs/<id>/adapter.ts` exports
// `createAdapter` (AdapterFactory, subgraphs/common/adapter.ts) and `simulators/<id>.ts` exports
// `createUpstream` (UpstreamFactory, simulators/control.ts) and `simulator` (ExchangeSimulator,
// simulators/world-types.ts: its part of the seeded world). The list is data only and cannot
// import them (adapters import what imports the list; production code must not import the
// simulators), so `npm run generate` writes one static, type-checked import per exchange:
//   subgraphs/exchange-modules.generated.ts     EXCHANGE_ADAPTERS, read by subgraphs/adapters.ts
//   simulators/exchange-simulators.generated.ts EXCHANGE_SIMULATORS, read by simulators/index.ts,
//                                               EXCHANGE_SIMULATOR_DESCRIPTORS, read by simulators/world.ts
// Typed `Record<ExchangeId, …>`: an entry without its module fails `tsc`.

import { EXCHANGES } from '../subgraphs/exchanges.ts';

export const EXCHANGE_MODULES_FILE = 'subgraphs/exchange-modules.generated.ts';
export const EXCHANGE_SIMULATORS_FILE = 'simulators/exchange-simulators.generated.ts';

const HEADER = ['// Written by `npm run generate` (schema/exchange-modules.ts) from the exchange list in', '// subgraphs/exchanges.ts: do not edit; add the exchange to the list and run it again.'];

/** A local name for an exchange's import (ids are lowercase letters: exchange-list.test.ts). */
function local(id: string, suffix: string): string {
  return `${id.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}${suffix}`;
}

function table(name: string, type: string, doc: string, suffix: string): string[] {
  return [`/** ${doc} */`, `export const ${name}: Readonly<Record<ExchangeId, ${type}>> = {`, ...EXCHANGES.map((e) => `  ${e.id}: ${local(e.id, suffix)},`), '};'];
}

/** subgraphs/exchange-modules.generated.ts: id → the exchange's `createAdapter`. */
export function renderExchangeModules(): string {
  return [
    ...HEADER,
    "// Each exchange's adapter: `createAdapter` of subgraphs/<id>/adapter.ts.",
    '',
    "import type { AdapterFactory } from './common/adapter.ts';",
    "import type { ExchangeId } from './exchanges.ts';",
    ...EXCHANGES.map((e) => `import { createAdapter as ${local(e.id, 'Adapter')} } from './${e.id}/adapter.ts';`),
    '',
    ...table('EXCHANGE_ADAPTERS', 'AdapterFactory', "Each exchange's adapter factory, by id (subgraphs/adapters.ts builds adapters with it).", 'Adapter'),
    '',
  ].join('\n');
}

/**
 * simulators/exchange-simulators.generated.ts: id → the exchange simulator's `createUpstream`,
 * and id → its `simulator` (its part of the world, simulators/world-types.ts ExchangeSimulator).
 */
export function renderExchangeSimulators(): string {
  return [
    ...HEADER,
    "// Each exchange's simulator: `createUpstream` and `simulator` of simulators/<id>.ts.",
    '',
    "import type { ExchangeId } from '../subgraphs/exchanges.ts';",
    "import type { UpstreamFactory } from './control.ts';",
    "import type { ExchangeSimulator } from './world-types.ts';",
    ...EXCHANGES.map((e) => `import { createUpstream as ${local(e.id, 'Simulator')}, simulator as ${local(e.id, 'World')} } from './${e.id}.ts';`),
    '',
    ...table('EXCHANGE_SIMULATORS', 'UpstreamFactory', "Each exchange's simulated upstream API, by id (simulators/index.ts starts simulators with it).", 'Simulator'),
    '',
    ...table(
      'EXCHANGE_SIMULATOR_DESCRIPTORS',
      'ExchangeSimulator',
      "Each exchange's part of the simulated world, by id, in the list's order (simulators/world.ts builds the world from them).",
      'World',
    ),
    '',
  ].join('\n');
}

/** The writer in schema/generate.ts GENERATORS. */
export function exchangeModuleFiles(): Array<{ path: string; content: string }> {
  return [
    { path: EXCHANGE_MODULES_FILE, content: renderExchangeModules() },
    { path: EXCHANGE_SIMULATORS_FILE, content: renderExchangeSimulators() },
  ];
}

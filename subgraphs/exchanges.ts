// The exchange list: adding an exchange is one line here, plus its adapter, subgraph folder
// and SDL (see docs/adding-an-exchange.md).

import type { ExchangeInfo } from './common/model.ts';

export interface ExchangeDefinition extends ExchangeInfo {
  /** GraphQL type of its listings in the supergraph, e.g. "BeijingDataset". */
  typeName: string;
  /** Default port of its subgraph. */
  subgraphPort: number;
  /** Default port of its upstream simulator. */
  simulatorPort: number;
}

export const EXCHANGES: readonly ExchangeDefinition[] = [
  { id: 'beijing', name: '北京国际大数据交易所', city: '北京', typeName: 'BeijingDataset', subgraphPort: 4002, simulatorPort: 4101 },
  { id: 'shanghai', name: '上海数据交易所', city: '上海', typeName: 'ShanghaiDataset', subgraphPort: 4003, simulatorPort: 4102 },
  { id: 'guiyang', name: '贵阳大数据交易所', city: '贵阳', typeName: 'GuiyangDataset', subgraphPort: 4004, simulatorPort: 4103 },
];

export const CATALOG = { name: 'catalog', subgraphPort: 4001 } as const;
export const REGISTRY = { name: 'registry', subgraphPort: 4005, simulatorPort: 4104 } as const;

/** Every subgraph, in composition order, with its default port. */
export const SUBGRAPHS: ReadonlyArray<{ name: string; port: number }> = [
  { name: CATALOG.name, port: CATALOG.subgraphPort },
  ...EXCHANGES.map((e) => ({ name: e.id, port: e.subgraphPort })),
  { name: REGISTRY.name, port: REGISTRY.subgraphPort },
];

export function exchangeById(id: string): ExchangeDefinition | undefined {
  return EXCHANGES.find((e) => e.id === id);
}

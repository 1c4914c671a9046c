// Reads the subgraph list out of any supergraph SDL (the join__Graph enum), so the gateway
// can serve a supergraph it has never seen and still know whom to health-check.

import { readFileSync } from 'node:fs';
import { Kind, parse, type ConstValueNode } from 'graphql';

export interface SubgraphEndpoint {
  /** Name as in the supergraph's @join__graph(name:). */
  name: string;
  url: string;
}

function stringArg(value: ConstValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}

export function subgraphsOf(supergraphSdl: string, overrides: Record<string, string>): SubgraphEndpoint[] {
  const doc = parse(supergraphSdl);
  const graphs: SubgraphEndpoint[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = stringArg(directive?.arguments?.find((a) => a.name.value === 'name')?.value);
      const url = stringArg(directive?.arguments?.find((a) => a.name.value === 'url')?.value);
      if (name && url) graphs.push({ name, url: overrides[name] ?? url });
    }
  }
  if (graphs.length === 0) throw new Error('the supergraph names no subgraphs (no join__Graph enum): is it a supergraph?');
  const unknown = Object.keys(overrides).filter((n) => !graphs.some((g) => g.name === n));
  if (unknown.length > 0) throw new Error(`subgraph URL override for unknown subgraph(s): ${unknown.join(', ')}`);
  return graphs;
}

export function readSupergraph(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the supergraph ${path}: ${(e as Error).message}`);
  }
}

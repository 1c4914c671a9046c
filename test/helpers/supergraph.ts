// Supergraphs for the hot-reload tests: the real one with a marker in a description, so a test
// can tell which schema a gateway serves.

import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { SUBGRAPHS } from '../../subgraphs/exchanges.ts';
import { subgraphSdl } from '../../schema/compose.ts';
import type { TestStack } from './stack.ts';

/** The real supergraph with `Query.exchanges`' description carrying `(marker)`. */
export function changedSupergraph(marker: string): string {
  const result = composeServices(
    SUBGRAPHS.map(({ name, port }) => {
      const sdl = subgraphSdl(name).replace('"Every exchange dataex federates, with harvest status."', `"Every exchange dataex federates (${marker})."`);
      return { name, url: `http://127.0.0.1:${port}/graphql`, typeDefs: parse(sdl) };
    }),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** The description of `Query.exchanges` the stack's gateway serves now. */
export async function exchangesDescription(stack: Pick<TestStack, 'gql'>): Promise<string> {
  const res = await stack.gql('{ __schema { queryType { fields { name description } } } }');
  return res.data.__schema.queryType.fields.find((f: any) => f.name === 'exchanges').description;
}

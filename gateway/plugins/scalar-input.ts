// Custom scalars at the gateway. The API schema the gateway serves is built from the
// supergraph's SDL, where `scalar Long` and `scalar DateTime` take any value: a bad one passed
// validation and variable coercion and only the subgraph refused it (an HTTP 400 that read as
// an outage). When the schema loads (and on every supergraph reload), this gives those scalars
// dataex's own parsing (subgraphs/common/scalar-parsing.ts, shared with the subgraphs), before
// any request uses the schema. Then graphql refuses them where it refuses a bad Int:
//   - a literal fails validation (GRAPHQL_VALIDATION_FAILED, HTTP 400, with its location),
//   - a variable fails coercion in the gateway (BAD_USER_INPUT naming the variable, HTTP 400),
//   - saved queries (validated and typed against this same schema) are refused on save or run.
// Scalars are matched by name: a foreign supergraph's `Long`/`DateTime` are read the dataex way.

import type { ApolloServerPlugin } from '@apollo/server';
import { attachScalarParsing } from '../../subgraphs/common/scalar-parsing.ts';

export function scalarInputPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          attachScalarParsing(apiSchema);
        },
      };
    },
  };
}

// What the gateway's plugins, data source and endpoint share: the per-request context and what
// plugins report back through it. A leaf module (types only, importing nothing of the gateway)
// so that every piece can name these without importing the server, and no import cycle forms.

import type { Principal } from '../lib/principal.ts';

/** Who may share a stored answer: anyone, or only the caller (and callers of its access class). */
export type CacheScope = 'PUBLIC' | 'PRIVATE';

/** Set by the cache-decision plugin once the operation is known (willSendResponse). */
export interface CacheDecision {
  cacheable: boolean;
  maxAgeS: number;
  scope: CacheScope;
  /** The operation is a query (identical concurrent requests may share its answer). */
  isQuery: boolean;
}

/** Set by the operation-facts plugin as the response is sent (willSendResponse). */
export interface OperationFacts {
  operationName: string | null;
  /** SHA-256 hex of the document (its APQ hash). */
  queryHash: string | null;
  errorCodes: string[];
  hasData: boolean;
  /** The operation was found in a parsed, validated document (its name may label metrics). */
  resolved: boolean;
}

/** The context of one GraphQL request, made by the endpoint before Apollo Server runs it. */
export interface GatewayContext {
  principal: Principal;
  /** Set when the operation is a saved query run through the saved-queries API. */
  savedQuery?: string;
  /** Upstreams whose data in this answer is stale (reported by subgraphs). */
  stale: Set<string>;
  /** Epoch ms by which the answer must be sent; subgraph calls are cut then. */
  deadline?: number;
  /**
   * Filled in by plugins as the response is sent. An object, not fields, because Apollo Server
   * may shallow-copy the context: writes must land on something shared.
   */
  outcome: { cacheDecision?: CacheDecision; facts?: OperationFacts };
}

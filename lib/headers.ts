// The HTTP header names dataex reads or writes, in one place (lower case, as node:http gives
// them). Upstream exchanges' own headers (signatures, app keys) stay with their adapters.

export const Header = {
  // Sent by clients
  /** An API key; `Authorization: Bearer <key>` is the other way to send one. */
  API_KEY: 'x-api-key',
  AUTHORIZATION: 'authorization',
  /** Either of these two makes a GET or a simple POST non-simple (Apollo's CSRF prevention). */
  APOLLO_REQUIRE_PREFLIGHT: 'apollo-require-preflight',
  APOLLO_OPERATION_NAME: 'x-apollo-operation-name',
  /** W3C trace context: the caller's span becomes the parent of the gateway's. */
  TRACEPARENT: 'traceparent',

  // Sent to clients
  /** How the response cache answered: HIT, STALE, MISS, BYPASS or COALESCED (docs/caching.md). */
  CACHE: 'x-dataex-cache',
  /** The gateway worker that answered (DATAEX_WORKERS > 1). */
  WORKER: 'x-dataex-worker',
  /** The saved query a run or export answered. */
  SAVED_QUERY: 'x-dataex-saved-query',
  /** The id of a kept run (a run with `keep`): GET /saved-queries/:name/runs/:id. */
  RUN: 'x-dataex-run',
  /** Who started a saved-query run: `cli` or `console` (the run history says so; otherwise `http`). */
  CLIENT: 'x-dataex-client',
  /** Rows in a whole export (saved-query runs with `all=true`). */
  TOTAL_COUNT: 'x-dataex-total-count',
  RETRY_AFTER: 'retry-after',
  WWW_AUTHENTICATE: 'www-authenticate',

  // Between the gateway and its subgraphs
  /** The caller, signed for the subgraphs (lib/principal-token.ts). */
  PRINCIPAL: 'x-dataex-principal',
  SIGNATURE: 'x-dataex-signature',
  /** The subgraph a signature is for, so it cannot be replayed at another. */
  AUDIENCE: 'x-dataex-audience',
  /** Epoch ms by which the gateway must answer; a subgraph stops its upstream calls then. */
  DEADLINE: 'x-dataex-deadline',
  /** Upstreams whose data in a subgraph's answer is stale (served from the last good copy). */
  STALE: 'x-dataex-stale',
} as const;

export type HeaderName = (typeof Header)[keyof typeof Header];

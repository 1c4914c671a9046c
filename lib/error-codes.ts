// Every `extensions.code` dataex answers with, in one place: resolvers, plugins, routes, the
// audit log and the CLI name codes from here (docs/errors.md says what each means and which
// HTTP status goes with it). The values are the strings on the wire, so clients may match them.

export const ErrorCode = {
  /** The document does not parse (Apollo Server's code). */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The document does not validate against the schema, a bad scalar literal included. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** A variable does not coerce, an argument is out of range, a body is malformed. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** Refused before GraphQL ran: no CSRF-prevention header, a batch, an APQ hash mismatch. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Unknown or revoked key, or an Authorization header that is not `Bearer <key>`. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Above the caller's clearance or role. */
  FORBIDDEN: 'FORBIDDEN',
  /** The caller's bucket is empty. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A document or cost limit. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** An exchange or subgraph gave no usable answer. */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** An exchange or subgraph answered with something that is not a usable answer. */
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  /** A store dataex needs cannot answer right now (with Retry-After). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** A shipped saved query cannot be changed. */
  READ_ONLY: 'READ_ONLY',
  /** A `documentId` that was never published (and Apollo's code for an unknown APQ hash). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Apollo Server's code for APQ when it is off. */
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** dataex's own fault; the message says nothing of its internals. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

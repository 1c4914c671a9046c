// The error shape clients see from the gateway: every error has an extensions.code from the
// contract, the exchange at fault where there is one, and no internals (stack traces,
// subgraph URLs, upstream response bodies).

import type { GraphQLFormattedError } from 'graphql';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const EXCHANGE_IDS = new Set(EXCHANGES.map((e) => e.id));

/** Codes that subgraphs and the gateway itself may legitimately send to clients. */
const PASS_THROUGH = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

const URL_PATTERN = /\bhttps?:\/\/[^\s"')]+/g;

export function scrubMessage(message: string): string {
  return message.replace(URL_PATTERN, '<internal>');
}

export function formatGatewayError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
  const code = typeof ext.code === 'string' ? ext.code : undefined;
  const serviceName = typeof ext.serviceName === 'string' ? ext.serviceName : undefined;
  const extensions: Record<string, unknown> = {};
  let message = scrubMessage(formatted.message);
  const passThrough = code !== undefined && PASS_THROUGH.has(code);
  // The exchange is named where one is at fault: as the subgraph said, or the exchange's own
  // subgraph failing. A refusal (FORBIDDEN, BAD_USER_INPUT) is nobody's fault.
  const upstreamFault = !passThrough || code!.startsWith('UPSTREAM_');
  const exchange =
    typeof ext.exchange === 'string' ? ext.exchange : upstreamFault && serviceName && EXCHANGE_IDS.has(serviceName) ? serviceName : undefined;
  if (passThrough) {
    extensions.code = code;
  } else if (serviceName) {
    // A subgraph could not be reached or failed unexpectedly.
    extensions.code = 'UPSTREAM_UNAVAILABLE';
    message = `${exchange ? `exchange ${exchange}` : `subgraph ${serviceName}`} is unavailable: ${message}`;
  } else {
    extensions.code = code ?? 'INTERNAL_SERVER_ERROR';
  }
  if (exchange) extensions.exchange = exchange;
  if (serviceName) extensions.subgraph = serviceName;
  for (const key of ['stale', 'limit', 'cost', 'retryAfterSeconds', 'count']) if (key in ext) extensions[key] = ext[key];
  return { message, locations: formatted.locations, path: formatted.path, extensions };
}

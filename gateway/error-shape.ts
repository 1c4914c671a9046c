// The error shape clients see from the gateway (Apollo Server's `formatError`, set in
// server.ts; not a plugin): every error has an extensions.code, the exchange at fault where
// there is one, the subgraph it came from, and no internals (stack traces, internal URLs, hosts
// and ports, credentials, file paths).
//
// The rule for errors from behind the gateway:
//   - a subgraph that could not be reached or gave no usable answer (refused, reset, timed out,
//     5xx without a GraphQL body — gateway/datasource.ts names it) is UPSTREAM_UNAVAILABLE;
//   - a subgraph that answered keeps its own errors: message (masked) and code, with
//     `extensions.subgraph` naming it (no code at all — the gateway marks those
//     DOWNSTREAM_SERVICE_ERROR — is UPSTREAM_ERROR: it answered, with an error);
//   - `extensions.exchange` names an exchange where its upstream is at fault: as the subgraph
//     said, or an exchange's own subgraph failing with UPSTREAM_*.

import type { GraphQLFormattedError } from 'graphql';
import { EXCHANGES } from '../subgraphs/exchanges.ts';
import { ErrorCode } from '../lib/error-codes.ts';

const EXCHANGE_IDS = new Set<string>(EXCHANGES.map((e) => e.id));

/** Codes of the gateway engine that mean "the subgraph answered with an error that had no code". */
const UNCODED = new Set(['DOWNSTREAM_SERVICE_ERROR']);

const MASKS: Array<[RegExp, string]> = [
  // Stack traces: everything from the first "    at …" frame line on.
  [/\n\s+at [\s\S]*$/, ''],
  // URLs (http, https, redis, ws…).
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi, '<internal>'],
  // Credentials: secret-looking key=value pairs (and `password: …`), bearer tokens.
  [/\b(bearer)\s+(?=[\w.~+/-]*\d)[\w.~+/=-]{8,}/gi, '$1 <redacted>'],
  [/\b((?:client[_-]?)?secret|password|passwd|pwd|token|access[_-]?token|api[_-]?key|app[_-]?key|signature|sign|authorization|credentials?)(\s*=\s*)(?!<redacted>)[^\s,;&)"']+/gi, '$1$2<redacted>'],
  [/\b((?:client[_-]?)?secret|password|passwd|api[_-]?key|app[_-]?key)(\s*:\s*)(?!<redacted>)[^\s,;&)"']+/gi, '$1$2<redacted>'],
  // Addresses: IPv4 with or without a port, [IPv6]:port, localhost, host:port.
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '<internal>'],
  [/\[[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*\](?::\d{1,5})?/gi, '<internal>'],
  [/\blocalhost(?::\d{1,5})?\b/gi, '<internal>'],
  [/\b[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*:\d{2,5}\b/gi, '<internal>'],
  // File paths: of source files, or under the usual roots of a deployment (upstream API routes
  // such as /oauth/token are not internal and stay).
  [/(?:\/[\w.@-]+)+\.(?:[cm]?[jt]sx?|json|node)(?::\d+){0,2}/g, '<internal>'],
  [/(^|[\s(="'])\/(?:home|srv|work|usr|app|tmp|var|opt|etc|root|data|mnt|run)(?:\/[\w.@-]+)+\/?/g, '$1<internal>'],
];

/** A message without internals: stack traces, URLs, hosts and ports, credentials, file paths. */
export function maskInternals(message: string): string {
  let out = message;
  for (const [pattern, replacement] of MASKS) out = out.replace(pattern, replacement);
  return out;
}

export function formatGatewayError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
  const given = typeof ext.code === 'string' ? ext.code : undefined;
  const serviceName = typeof ext.serviceName === 'string' ? ext.serviceName : undefined;
  // An error with no code that Apollo answers with a 4xx (e.g. an APQ hash that does not match
  // its query) is the client's: BAD_REQUEST, never INTERNAL_SERVER_ERROR.
  const httpStatus = (ext.http as { status?: unknown } | undefined)?.status;
  const uncoded = serviceName ? ErrorCode.UPSTREAM_ERROR : typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL_SERVER_ERROR;
  const code = given === undefined ? uncoded : serviceName && UNCODED.has(given) ? ErrorCode.UPSTREAM_ERROR : given;
  const exchange = typeof ext.exchange === 'string' ? ext.exchange : code.startsWith('UPSTREAM_') && serviceName && EXCHANGE_IDS.has(serviceName) ? serviceName : undefined;
  const extensions: Record<string, unknown> = { code };
  if (exchange) extensions.exchange = exchange;
  if (serviceName) extensions.subgraph = serviceName;
  for (const key of ['stale', 'limit', 'cost', 'retryAfterSeconds', 'count']) if (key in ext) extensions[key] = ext[key];
  return { message: maskInternals(formatted.message), locations: formatted.locations, path: formatted.path, extensions };
}

// Transport failures (undici's and Node's error codes) in short words, for the gateway's
// subgraph calls (gateway/datasource.ts) and the subgraphs' upstream calls
// (subgraphs/common/upstream.ts) alike. The words carry no address, URL or body: only the code.

/** What a transport error code means; `timer` names the timeout that raises it. */
export interface TransportErrorSpec {
  message: string;
  timer?: 'connect' | 'headers' | 'body';
}

export const TRANSPORT_ERRORS: Readonly<Record<string, Readonly<TransportErrorSpec>>> = Object.freeze({
  UND_ERR_CONNECT_TIMEOUT: { message: 'connect timed out', timer: 'connect' },
  UND_ERR_HEADERS_TIMEOUT: { message: 'timed out waiting for response headers', timer: 'headers' },
  UND_ERR_BODY_TIMEOUT: { message: 'timed out reading the response body', timer: 'body' },
  UND_ERR_ABORTED: { message: 'call aborted' },
  UND_ERR_SOCKET: { message: 'connection failed' },
  UND_ERR_CLOSED: { message: 'connection closed' },
  UND_ERR_DESTROYED: { message: 'connection destroyed' },
  ECONNREFUSED: { message: 'connection refused' },
  ECONNRESET: { message: 'connection reset' },
  EPIPE: { message: 'connection broken' },
  ENOTFOUND: { message: 'host not found' },
  EAI_AGAIN: { message: 'DNS lookup failed' },
  EHOSTUNREACH: { message: 'host unreachable' },
  ENETUNREACH: { message: 'network unreachable' },
  ETIMEDOUT: { message: 'connection timed out' },
});

/** The first string `code` on the error or its causes (undici wraps socket errors; the errno code may sit on the cause). */
export function transportErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export interface TransportErrorContext {
  /** Each timer's length (ms) or what set it, said after a timeout's words: `(150 ms)`, `(request deadline)`. */
  timers?: Partial<Record<'connect' | 'headers' | 'body', number | string>>;
  /** Say the code after the words of any other known error: `connection refused (ECONNREFUSED)`. */
  withCode?: boolean;
}

/**
 * A short, secret-free description of a transport failure: the table's words for a known code
 * (with the timer or code when asked), `request failed (CODE)` for another code, `request
 * failed` without one.
 */
export function describeTransportError(err: unknown, context: TransportErrorContext = {}): string {
  const code = transportErrorCode(err);
  if (code === undefined) return 'request failed';
  const spec = Object.hasOwn(TRANSPORT_ERRORS, code) ? TRANSPORT_ERRORS[code] : undefined;
  if (!spec) return `request failed (${code})`;
  const timer = spec.timer && context.timers?.[spec.timer];
  if (timer !== undefined && timer !== '') return `${spec.message} (${typeof timer === 'number' ? `${timer} ms` : timer})`;
  return context.withCode ? `${spec.message} (${code})` : spec.message;
}

// Small node:http helpers shared by the gateway and the subgraphs: bounded body reading,
// JSON replies, listening on a (possibly free) port and closing without leaking sockets.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from './error-codes.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.name = 'HttpError';
  }
}

/** A body of no bytes (shared: Buffers handed out here are never written to). */
export const EMPTY_BODY = Buffer.alloc(0);

/**
 * Reads the whole body, refusing more than `limitBytes` (413) without buffering the excess, and
 * calls back once. A callback, not a promise: the gateway answers cache hits in the turn the
 * body ends, with no promise made.
 */
export function readBodyThen(req: IncomingMessage, limitBytes: number, done: (err: Error | undefined, body: Buffer) => void): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return done(new HttpError(413, ErrorCode.BAD_USER_INPUT, `request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes`), EMPTY_BODY);
  }
  (req as Reading)[BODY_READ] = { chunks: [], size: 0, limitBytes, done };
  req.on('data', onBodyData);
  req.on('end', onBodyEnd);
  req.on('error', onBodyError);
}

// The body's listeners are shared functions working on state kept on the request: no closures
// made per request (under a loader that keeps function names, as tsx did, a named closure also
// costs a defineProperty per request).
const BODY_READ = Symbol('dataex.bodyRead');
interface BodyRead {
  chunks: Buffer[];
  size: number;
  limitBytes: number;
  /** Cleared once called: the caller hears once, whatever the request does after. */
  done: ((err: Error | undefined, body: Buffer) => void) | undefined;
}
type Reading = IncomingMessage & { [BODY_READ]?: BodyRead };

function onBodyData(this: Reading, chunk: Buffer): void {
  const read = this[BODY_READ]!;
  read.size += chunk.length;
  if (read.size <= read.limitBytes) {
    read.chunks.push(chunk);
    return;
  }
  // Drain the rest without keeping it.
  this.removeListener('data', onBodyData);
  this.resume();
  settleBody(this, new HttpError(413, ErrorCode.BAD_USER_INPUT, `request body exceeds the limit of ${read.limitBytes} bytes`), EMPTY_BODY);
}

function onBodyEnd(this: Reading): void {
  const { chunks } = this[BODY_READ]!;
  settleBody(this, undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

function onBodyError(this: Reading, err: Error): void {
  settleBody(this, err, EMPTY_BODY);
}

function settleBody(req: Reading, err: Error | undefined, body: Buffer): void {
  const read = req[BODY_READ]!;
  const done = read.done;
  if (done === undefined) return;
  read.done = undefined;
  read.chunks = [];
  done(err, body);
}

/** `readBodyThen` as a promise. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => readBodyThen(req, limitBytes, (err, body) => (err ? reject(err) : resolve(body))));
}

/** Parses a JSON body; malformed JSON is a 400 with the parser's reason. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, ErrorCode.BAD_USER_INPUT, `malformed JSON body: ${(e as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A GraphQL-shaped error reply for failures outside GraphQL execution (bad body, limits). */
export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { errors: [{ message: err.message, extensions: { code: err.code } }] }, err.headers);
}

/** Responses being written, per server listened to with listen(): closeServer drains them. */
const unanswered = new WeakMap<Server, Set<ServerResponse>>();

/** Listens and resolves with the bound port (port 0 picks a free one). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  const open = new Set<ServerResponse>();
  unanswered.set(server, open);
  // One listener per server, not a closure per response ('close' comes once per response).
  function answered(this: ServerResponse): void {
    open.delete(this);
  }
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    // Closing: a request still arriving on a kept-alive connection is the connection's last.
    if (!server.listening) res.shouldKeepAlive = false;
    open.add(res);
    res.on('close', answered);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops accepting, lets in-flight requests finish up to `graceMs`, then drops what is left.
 * Draining: answers still being written go out with `Connection: close` and each connection
 * closes once idle, so a keep-alive client gets every answer it was promised and opens no new
 * request on a closing server (which the grace timer would cut mid-way).
 */
export async function closeServer(server: Server, graceMs = 5_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const res of unanswered.get(server) ?? []) if (!res.headersSent) res.shouldKeepAlive = false;
  server.closeIdleConnections();
  // Connections whose answer had already started with keep-alive go idle later.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
}

export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://localhost');
}

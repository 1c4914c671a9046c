// A small node:http server and router for the simulators (no framework): route patterns with
// `:params`, query strings, JSON and form bodies. Handlers return a Reply instead of writing to
// the socket, so the control layer can delay, replace or mangle it (faults).

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Method = 'GET' | 'POST';

export interface SimRequest {
  method: string;
  /** Raw path as sent (percent-encoding kept): what signatures are computed over. */
  rawPath: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Decoded path parameters of the matched route. */
  params: Record<string, string>;
  body: string;
}

export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export type Handler = (req: SimRequest) => Reply | Promise<Reply>;

export interface Route {
  method: Method;
  /** e.g. "/product/api/detail/:uuid" */
  pattern: string;
  handler: Handler;
}

export function jsonReply(value: unknown, status = 200): Reply {
  return { status, body: JSON.stringify(value) };
}

/** A reply whose JSON text the caller built itself (e.g. with raw 64-bit numbers). */
export function jsonTextReply(text: string, status = 200): Reply {
  return { status, body: text };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** application/x-www-form-urlencoded; never throws (malformed escapes stay as sent). */
export function parseForm(text: string): URLSearchParams {
  return new URLSearchParams(text);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface CompiledRoute {
  route: Route;
  segments: string[];
}

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.pattern.split('/').filter(Boolean) }));
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const parts = path.split('/').filter(Boolean);
    for (const { route, segments } of this.compiled) {
      if (route.method !== method || segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < segments.length && matched; i++) {
        const segment = segments[i];
        if (segment.startsWith(':')) {
          try {
            params[segment.slice(1)] = decodeURIComponent(parts[i]);
          } catch {
            matched = false;
          }
        } else if (segment !== parts[i]) {
          matched = false;
        }
      }
      if (matched) return { route, params };
    }
    return undefined;
  }
}

export class BodyTooLargeError extends Error {}

/** Reads the whole body as UTF-8, refusing more than `limitBytes`. */
export function readBody(req: http.IncomingMessage, limitBytes = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new BodyTooLargeError(`body exceeds ${limitBytes} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Splits a request target into path and query; null when it is not a usable origin-form URL. */
export function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } | null {
  if (!target?.startsWith('/')) return null;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return { path, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
}

export function writeReply(res: http.ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    ...reply.headers,
    'content-length': String(body.length),
  });
  res.end(body);
}

export interface RunningHttpServer {
  port: number;
  host: string;
  url: string;
  /** Stops listening and destroys every open socket, including ones left hanging on purpose. */
  close(): Promise<void>;
}

export async function listen(listener: http.RequestListener, options: { host: string; port: number }): Promise<RunningHttpServer> {
  const server = http.createServer({ keepAlive: true }, listener);
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A malformed request line or header must not take the process down.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    port,
    host: options.host,
    url: `http://${urlHost}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

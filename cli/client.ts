// Talking to a gateway from the command line: base URL and API key from flags or the
// environment (DATAEX_URL, DATAEX_API_KEY), JSON calls, and errors mapped to exit codes.

import { request, type Dispatcher } from 'undici';
import { EXIT, exitForStatus, type ExitCode } from './exit-codes.ts';

export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly details: string[];
  constructor(exitCode: ExitCode, message: string, details: string[] = []) {
    super(message);
    this.exitCode = exitCode;
    this.details = details;
    this.name = 'CliError';
  }
}

export interface Connection {
  baseUrl: string;
  key: string | undefined;
}

export function connection(flags: { url?: string; key?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const raw = flags.url ?? env.DATAEX_URL ?? `http://127.0.0.1:${env.DATAEX_PORT || '4000'}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(EXIT.USAGE, `--url must be a URL like http://127.0.0.1:4000 (got ${JSON.stringify(raw)})`);
  }
  const baseUrl = url.href.replace(/\/+$/, '').replace(/\/graphql$/, '');
  return { baseUrl, key: flags.key ?? (env.DATAEX_API_KEY || undefined) };
}

export interface CallOptions {
  method?: Dispatcher.HttpMethod;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call(conn: Connection, path: string, options: CallOptions = {}): Promise<Dispatcher.ResponseData> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (conn.key) headers.authorization = `Bearer ${conn.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await request(conn.baseUrl + path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      headersTimeout: 120_000,
      bodyTimeout: 300_000,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = err.code ?? err.cause?.code;
    throw new CliError(EXIT.UNREACHABLE, `cannot reach the gateway at ${conn.baseUrl}: ${code ? `${code} ` : ''}${err.message}`);
  }
}

/** Reads a JSON reply, turning an error status into a CliError with the server's messages. */
export async function jsonReply<T>(res: Dispatcher.ResponseData): Promise<T> {
  const text = await res.body.text();
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, text);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CliError(EXIT.FAILURE, `the gateway replied with something that is not JSON (status ${res.statusCode})`);
  }
}

export function errorFromReply(status: number, text: string): CliError {
  let message = `the gateway replied ${status}`;
  const details: string[] = [];
  try {
    const body = JSON.parse(text) as { message?: string; errors?: Array<{ message: string; locations?: Array<{ line: number; column: number }>; extensions?: { code?: string } }> };
    const errors = body.errors ?? [];
    if (body.message) message = body.message;
    else if (errors[0]) message = errors[0].message;
    for (const e of errors) {
      if (e.message === message) continue;
      const at = e.locations?.[0] ? ` (line ${e.locations[0].line}, column ${e.locations[0].column})` : '';
      details.push(`${e.message}${at}`);
    }
  } catch {
    if (text.trim()) details.push(text.trim().slice(0, 500));
  }
  return new CliError(exitForStatus(status), `${message} [HTTP ${status}]`, details);
}

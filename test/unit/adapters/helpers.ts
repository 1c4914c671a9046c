// Test helpers: fixture text, a scriptable HTTP stub upstream, harvest collection.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExchangeAdapter, HarvestPage } from '../../../subgraphs/common/adapter.ts';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

/** Raw text of test/fixtures/<path> (raw, so Shanghai's 19-digit ids stay intact). */
export function fixture(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export interface StubRequest {
  method: string;
  /** Path with query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type StubReply = { status?: number; headers?: Record<string, string>; body: string | object } | 'hang' | 'destroy';

export interface Stub {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/** A local HTTP server answering each request with `handler`'s reply. */
export async function stubServer(handler: (req: StubRequest) => StubReply | Promise<StubReply>): Promise<Stub> {
  const requests: StubRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const r: StubRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      const reply = await handler(r);
      if (reply === 'hang') return;
      if (reply === 'destroy') {
        req.socket.destroy();
        return;
      }
      const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every page of a harvest. */
export async function collect(adapter: ExchangeAdapter, signal?: AbortSignal): Promise<HarvestPage[]> {
  const pages: HarvestPage[] = [];
  for await (const page of adapter.harvest(signal)) pages.push(page);
  return pages;
}

/** Parses a form-urlencoded body. */
export function formOf(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failure(p: Promise<unknown>): Promise<Error & { code?: string; upstream?: string }> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
}

// A counting, optionally slow HTTP proxy in front of one server (a subgraph): a test points a
// gateway at it to count the requests that server gets and to hold them long enough for
// concurrent requests to overlap. Binds port 0 and reports the URL it got.

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface CountingProxy {
  /** Same path as the target's URL, on the proxy's own port. */
  url: string;
  /** Requests received so far (their bodies, in arrival order). */
  bodies: string[];
  /** Added before each request is forwarded; may be changed at any time. */
  delayMs: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'upgrade']);

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function countingProxy(targetUrl: string, options: { delayMs?: number } = {}): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const proxy: CountingProxy = { url: '', bodies: [], delayMs: options.delayMs ?? 0, close: async () => undefined };
  const server = createServer(async (req, res) => {
    try {
      const body = await readAll(req);
      proxy.bodies.push(body.toString('utf8'));
      if (proxy.delayMs > 0) await new Promise((r) => setTimeout(r, proxy.delayMs));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
      const upstream = await request(new URL(req.url ?? '/', target).toString(), { method: req.method as 'POST', headers, body: body.length > 0 ? body : undefined });
      const text = Buffer.from(await upstream.body.arrayBuffer());
      for (const [k, v] of Object.entries(upstream.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) res.setHeader(k, v);
      res.statusCode = upstream.statusCode;
      res.end(text);
    } catch (e) {
      res.statusCode = 502;
      res.end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}${target.pathname}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

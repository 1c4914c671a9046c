// readBodyThen keeps each body's state on its own request (its listeners are shared functions):
// concurrent bodies arriving in interleaved chunks stay apart, and each caller hears once.

import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, readBodyThen } from '../../lib/http.ts';

const LIMIT = 64;
let server: Server;
let port: number;
/** Every callback the server's reader made, per request id: more than one is a bug. */
const heard = new Map<string, Array<{ status: number; body: string }>>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const id = String(req.headers['x-id']);
    readBodyThen(req, LIMIT, (err, body) => {
      const status = err instanceof HttpError ? err.status : err ? 500 : 200;
      const calls = heard.get(id) ?? [];
      calls.push({ status, body: body.toString() });
      heard.set(id, calls);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? body : String(status));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
});

/** Sends `chunks` as a chunked body, one chunk per `tick` (so requests interleave); settles with the answer once the body is all sent. */
function send(id: string, chunks: string[], tick: () => Promise<void>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let answer: (a: { status: number; text: string }) => void = () => undefined;
    const answered = new Promise<{ status: number; text: string }>((r) => (answer = r));
    const req = request({ port, method: 'POST', path: '/', headers: { 'x-id': id, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => answer({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    const written = (async () => {
      for (const chunk of chunks) {
        req.write(chunk);
        await tick();
      }
      await new Promise<void>((done) => req.end(done));
    })();
    answered.then(async (answer) => {
      // Settled once the whole body is sent too: what the server does after is then observable.
      await written;
      resolve(answer);
    }, reject);
  });
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

describe('readBodyThen', () => {
  it('keeps concurrent bodies apart and calls back once each', async () => {
    const results = await Promise.all([send('a', ['a1-', 'a2-', 'a3'], tick), send('b', ['b1-', 'b2-', 'b3'], tick), send('c', ['c1-', 'c2-', 'c3'], tick)]);
    expect(results.map((r) => r.text)).toEqual(['a1-a2-a3', 'b1-b2-b3', 'c1-c2-c3']);
    for (const id of ['a', 'b', 'c']) expect(heard.get(id)).toHaveLength(1);
  });

  it('refuses a chunked body over the limit once, beside a request that stays within it', async () => {
    const big = 'x'.repeat(40);
    const [over, within] = await Promise.all([send('over', [big, big, big], tick), send('within', ['small'], tick)]);
    expect(over.status).toBe(413);
    expect(within).toEqual({ status: 200, text: 'small' });
    // The rest of the refused body still arrives and ends: the caller must not hear again.
    await tick();
    expect(heard.get('over')).toEqual([{ status: 413, body: '' }]);
  });
});

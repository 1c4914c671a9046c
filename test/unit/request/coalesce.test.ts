// gateway/request/coalesce.ts: requests waiting for an identical one in flight.

import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { IncomingMessage, ServerResponse } from 'node:http';
import { InFlight, writeShared, type SharedAnswer } from '../../../gateway/request/coalesce.ts';

const answer: SharedAnswer = { status: 200, headers: [['content-type', 'application/json']], body: '{"data":{}}', datasets: [], isQuery: true, operationName: 'Q', queryHash: null };

describe('in-flight answers', () => {
  it("hands the leader's answer to those waiting, and forgets the key once settled", async () => {
    const flights = new InFlight();
    expect(flights.pending('k')).toBeUndefined();
    const settle = flights.lead('k');
    const waiting = [flights.pending('k'), flights.pending('k')];
    expect(flights.pending('other')).toBeUndefined();
    settle(answer);
    expect(await Promise.all(waiting)).toEqual([answer, answer]);
    expect(flights.pending('k')).toBeUndefined();
    expect(flights.size).toBe(0);
  });

  it('a failed leader settles with nothing, and a late settle does not remove a newer leader', async () => {
    const flights = new InFlight();
    const first = flights.lead('k');
    const waiting = flights.pending('k')!;
    first(undefined);
    expect(await waiting).toBeUndefined();
    const second = flights.lead('k');
    first(answer); // a second call of the first leader's settle: ignored
    expect(flights.pending('k')).toBeDefined();
    second(answer);
    expect(flights.size).toBe(0);
  });

  it('writes a shared answer to each request that waited, encoded once for all of them', () => {
    const shared: SharedAnswer = { ...answer, body: '{"data":{"name":"数据"}}' };
    const written: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const res = new ServerResponse(new IncomingMessage(new PassThrough() as never));
      const end = res.end.bind(res);
      res.end = ((chunk: Buffer) => {
        written.push(chunk);
        return end();
      }) as never;
      writeShared(res, shared);
      expect(res.getHeader('x-dataex-cache')).toBe('COALESCED');
      expect(res.getHeader('content-type')).toBe('application/json');
    }
    expect(written[0].toString('utf8')).toBe(shared.body);
    expect(written[1]).toBe(written[0]);
    expect(written[2]).toBe(written[0]);
  });
});

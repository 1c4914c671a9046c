// gateway/request/coalesce.ts: requests waiting for an identical one in flight.

import { describe, expect, it } from 'vitest';
import { InFlight, type SharedAnswer } from '../../../gateway/request/coalesce.ts';

const answer: SharedAnswer = { status: 200, headers: [['content-type', 'application/json']], body: '{"data":{}}', isQuery: true, operationName: 'Q', queryHash: null };

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
});

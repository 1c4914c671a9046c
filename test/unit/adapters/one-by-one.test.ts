// subgraphs/common/one-by-one.ts: details of an upstream without a batch call.

import { describe, expect, it } from 'vitest';
import pLimit from 'p-limit';
import { detailsOneByOne } from '../../../subgraphs/common/one-by-one.ts';
import type { DatasetDetail } from '../../../subgraphs/common/model.ts';

const detail = (id: string) => ({ nativeId: id }) as unknown as DatasetDetail;

describe('detailsOneByOne', () => {
  it('asks for each distinct valid id once, answers an invalid one null without a call, and keeps a failure to its id', async () => {
    const asked: string[] = [];
    const out = await detailsOneByOne(
      ['a1', 'b2', 'a1', 'bad id', 'boom'],
      (id) => /^\w+$/.test(id),
      pLimit(4),
      async (id) => {
        asked.push(id);
        if (id === 'boom') throw new Error('upstream failed');
        return id === 'b2' ? null : detail(id);
      },
    );
    expect(asked.sort()).toEqual(['a1', 'b2', 'boom']);
    expect(out.get('a1')).toEqual(detail('a1'));
    expect(out.get('b2')).toBeNull();
    expect(out.get('bad id')).toBeNull();
    expect(out.get('boom')).toBeInstanceOf(Error);
  });

  it("keeps to the limiter's concurrency", async () => {
    let inFlight = 0;
    let most = 0;
    const ids = Array.from({ length: 20 }, (_, i) => `id${i}`);
    await detailsOneByOne(
      ids,
      () => true,
      pLimit(3),
      async (id) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return detail(id);
      },
    );
    expect(most).toBe(3);
  });

  it('rejects once the request is aborted', async () => {
    const controller = new AbortController();
    const done = detailsOneByOne(
      ['x'],
      () => true,
      pLimit(1),
      async (id) => {
        controller.abort(new Error('client went away'));
        return detail(id);
      },
      controller.signal,
    );
    await expect(done).rejects.toThrow('client went away');
  });
});

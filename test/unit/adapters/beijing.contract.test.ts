// Beijing's adapter against its simulator (harness: ./contract-harness.ts): pages of 500, signed
// details, the wrong secret, and the simulator's faults.

import { afterEach, describe, expect, it } from 'vitest';
import { collect } from './helpers.ts';
import { expectDetailsMatchWorld, expectHarvestMatchesWorld, faults, listAdapter, listingsOf, pickSome, useSimulator } from './contract-harness.ts';

describe('beijing adapter ↔ simulator', () => {
  const t = useSimulator('beijing', (sim) => listAdapter('beijing', sim.url));
  afterEach(() => faults(t.sim, { mode: 'none' }));

  it('harvests every listing, pages of 500, each matching the world', async () => {
    await expectHarvestMatchesWorld(t.adapter, t.sim, 'beijing', { sectors: 'primary', time: 'seconds', keywords: 'all', unit: true }, 500);
  });

  it('fetches signed details', async () => {
    await expectDetailsMatchWorld(t.adapter, t.sim.world, pickSome(listingsOf(t.sim.world, 'beijing'), 12));
    const out = await t.adapter.details(['0'.repeat(32)]);
    expect(out.get('0'.repeat(32))).toBeNull();
  });

  it('maps the wrong secret to UPSTREAM_ERROR', async () => {
    const bad = listAdapter('beijing', t.sim.url, { appSecret: 'nope' });
    const id = listingsOf(t.sim.world, 'beijing')[0].nativeId;
    expect((await bad.details([id])).get(id)).toMatchObject({ code: 'UPSTREAM_ERROR' });
    await bad.close();
  });

  it('maps simulator faults: error envelope, garbage, rate limit, offline, hang', async () => {
    const { adapter, sim } = t;
    await faults(sim, { mode: 'error' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('系统繁忙') });
    await faults(sim, { mode: 'garbage' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' }); // truncated JSON
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' }); // wrong envelope
    await faults(sim, { mode: 'ratelimit' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 1 });
    await faults(sim, { mode: 'offline' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await faults(sim, { mode: 'hang' });
    const quick = listAdapter('beijing', sim.url, {}, { timeouts: { headersMs: 200, totalMs: 1000 } });
    await expect(collect(quick)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await quick.close();
  });
});

// Guiyang's adapter against its simulator (harness: ./contract-harness.ts): pages of 200, details
// through the signed gateway, inner error codes.

import { describe, expect, it } from 'vitest';
import { expectDetailsMatchWorld, expectHarvestMatchesWorld, faults, listAdapter, listingsOf, pickSome, useSimulator } from './contract-harness.ts';

describe('guiyang adapter ↔ simulator', () => {
  const t = useSimulator('guiyang', (sim) => listAdapter('guiyang', sim.url));

  it('harvests every listing, pages of 200, each matching the world', async () => {
    await expectHarvestMatchesWorld(t.adapter, t.sim, 'guiyang', { sectors: 'all', time: 'date', keywords: 'all', unit: true }, 200);
  });

  it('fetches details through the signed gateway', async () => {
    await expectDetailsMatchWorld(t.adapter, t.sim.world, pickSome(listingsOf(t.sim.world, 'guiyang'), 12));
    expect((await t.adapter.details(['999999999'])).get('999999999')).toBeNull();
  });

  it('maps a wrong secret (inner E401) to UPSTREAM_ERROR', async () => {
    const bad = listAdapter('guiyang', t.sim.url, { appSecret: 'nope' });
    const id = listingsOf(t.sim.world, 'guiyang')[0].nativeId;
    expect((await bad.details([id])).get(id)).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('E401') });
    await bad.close();
  });

  it('maps the gateway error fault (inner E500) to UPSTREAM_ERROR', async () => {
    await faults(t.sim, { mode: 'error' });
    try {
      const id = listingsOf(t.sim.world, 'guiyang')[0].nativeId;
      expect((await t.adapter.details([id])).get(id)).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('E500') });
    } finally {
      await faults(t.sim, { mode: 'none' });
    }
  });
});

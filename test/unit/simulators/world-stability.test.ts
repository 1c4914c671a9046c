// The seeded world must not move when an exchange is added (issue 23): every recorded fixture,
// e2e expectation and saved answer is computed from it. These hashes were taken from the tree
// before the world became generic over the exchange list (f512c48); a change that moves a
// single listing, detail, provider or registration of the founding three changes one of them.
// world-join.test.ts checks the same hashes with a fourth exchange registered.

import { describe, expect, it } from 'vitest';
import { buildWorld, EXCHANGE_WORLD_PARTS, generateWorld } from '../../../simulators/world.ts';
import { FOUNDING, FOUNDING_PROVIDERS, foundingHashes, PINNED, sha256 } from './world-hashes.ts';

const world = generateWorld({ seed: 20240506, scale: 1 });

describe('the founding world (seed 20240506, scale 1)', () => {
  it('has not moved: listings, every 50th detail, providers and registry hash as before', () => {
    expect(foundingHashes(world)).toEqual(PINNED);
  });

  it('of the founding modules alone is the founding part and nothing more', () => {
    // The world of just the founding three: no provider or registration beyond the founding
    // ones, and the providers' exchanges and counts whole, not only restricted to the three.
    const founding = buildWorld(
      20240506,
      1,
      EXCHANGE_WORLD_PARTS.filter((p) => p.world.founding),
    );
    expect(founding.exchangeIds).toEqual(FOUNDING);
    expect(founding.providers).toHaveLength(FOUNDING_PROVIDERS);
    expect(founding.registry.size).toBe(1425);
    expect(sha256(founding.providers)).toBe(PINNED.providers);
    expect(sha256([...founding.registry.entries()])).toBe(PINNED.registry);
  });

  it('the hashes see a one-field change (they are not vacuous)', () => {
    const listing = world.listings.beijing[1234];
    const before = sha256(world.listings.beijing);
    const saved = listing.updatedAtMs;
    try {
      (listing as { updatedAtMs: number }).updatedAtMs = saved + 1;
      expect(sha256(world.listings.beijing)).not.toBe(before);
    } finally {
      (listing as { updatedAtMs: number }).updatedAtMs = saved;
    }
    expect(sha256(world.listings.beijing)).toBe(PINNED.beijing);
  });
});

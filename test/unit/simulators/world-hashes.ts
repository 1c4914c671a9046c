// Fingerprints of the seeded world's founding part (Beijing, Shanghai, Guiyang and the 1,500
// providers drafted with them): sha256 of canonical JSON (keys sorted, bigints as "123n"), so a
// change that moves a single listing, detail, provider or registration changes a hash.
// Used by world-stability.test.ts (today's world) and world-join.test.ts (a world with a
// fourth exchange, where the founding part must not move).

import { createHash } from 'node:crypto';
import type { World } from '../../../simulators/world.ts';

export const FOUNDING = ['beijing', 'shanghai', 'guiyang'] as const;
/** Providers drafted with the founding three at scale 1 (appended drafts come after them). */
export const FOUNDING_PROVIDERS = 1500;

function canonical(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [canonical(k), canonical(v)]);
  if (value instanceof Set) return [...value].map(canonical);
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

export function sha256(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

/** foundingHashes of seed 20240506, scale 1, taken before the world became generic (f512c48). */
export const PINNED = {
  beijing: '9a2906c9be9e0327a62b3940a681b742201ba1cf3cd822d1f095b0f7fe584cfb',
  shanghai: 'f57f41e063b7845ae500863dbf014641ced522a070ea9fe75400533e73f7306c',
  guiyang: 'ef6853bfcca8b80a5dd7d31b7b3bca839ed9546c1e3cea0b765f592aa0d015f0',
  shanghaiCollidingIds: 'f11fdccd91bb93a1ed40b378fe78d2e364ae2ebeeec43f0add7229e31d65f9a7',
  details: '280e167f0ead73eb9a4726a31e8320c71aa8ba047027ab707efa2aceec5ea2c2',
  providers: '6f8ac9d5c9564020d199a7118438026a0bcb1e9dc654498400f490a2a840c960',
  registry: '53cfee184b4f40ab8f344d37de94516f1c728742786d6fd528d1d64162906903',
} as const;

export interface FoundingHashes {
  beijing: string;
  shanghai: string;
  guiyang: string;
  shanghaiCollidingIds: string;
  /** The detail of every 50th listing of the founding three, in list order. */
  details: string;
  /** The founding providers, their exchanges and counts restricted to the founding three. */
  providers: string;
  /** Registry entries of the founding providers, in insertion order. */
  registry: string;
}

export function foundingHashes(world: World): FoundingHashes {
  const listings = Object.fromEntries(FOUNDING.map((id) => [id, world.listingsOf(id)]));
  const founding = FOUNDING.flatMap((id) => listings[id]);
  const details = founding.filter((_, i) => i % 50 === 0).map((l) => [l.id, world.detailOf(l)]);
  const providers = world.providers.slice(0, FOUNDING_PROVIDERS).map((p) => ({
    ...p,
    exchanges: p.exchanges.filter((e) => (FOUNDING as readonly string[]).includes(e)),
    listingCounts: Object.fromEntries(FOUNDING.map((e) => [e, (p.listingCounts as Record<string, number>)[e]])),
  }));
  const codes = new Set(providers.map((p) => p.creditCode));
  const registry = [...world.registry.entries()].filter(([code]) => codes.has(code));
  return {
    beijing: sha256(listings.beijing),
    shanghai: sha256(listings.shanghai),
    guiyang: sha256(listings.guiyang),
    shanghaiCollidingIds: sha256(world.shanghaiCollidingIds),
    details: sha256(details),
    providers: sha256(providers),
    registry: sha256(registry),
  };
}

// Taiyuan's adapter against its simulator (harness: ./contract-harness.ts): offset pages of 1000
// sorted by name, the token on every call, package_show details, a wrong token, and the
// simulator's faults.

import { afterEach, describe, expect, it } from 'vitest';
import type { TaiyuanListing } from '../../../simulators/taiyuan.ts';
import { chinaLocalToIso } from '../../../subgraphs/common/normalize.ts';
import { collect } from './helpers.ts';
import { expectDetailsMatchWorld, expectMatchesWorld, faults, harvestAll, listAdapter, pickSome, stats, useSimulator } from './contract-harness.ts';

/** `notes` without its Markdown: the bold lead unmarked and the list (the scenarios) cut off. */
function plainNotes(notes: string): { text: string; items: string[] } {
  const [text, list = ''] = notes.split('\n\n');
  return { text: text.replaceAll('**', ''), items: list.split('\n').map((line) => line.replace(/^- /, '')) };
}

describe('taiyuan adapter ↔ simulator', () => {
  const t = useSimulator('taiyuan', (sim) => listAdapter('taiyuan', sim.url));
  const listings = (): readonly TaiyuanListing[] => t.sim.world.listings.taiyuan;
  afterEach(() => faults(t.sim, { mode: 'none' }));

  it('harvests every package in two pages of 1000 sorted by name, each matching the world', async () => {
    const before = await stats(t.sim);
    const { records, skipped, pages } = await harvestAll(t.adapter);
    expect(skipped).toEqual([]);
    expect(pages).toHaveLength(Math.ceil(listings().length / 1000));
    expect(records).toHaveLength(listings().length);
    expect(new Set(records.map((r) => r.id))).toEqual(new Set(listings().map((l) => l.id)));
    const after = await stats(t.sim);
    expect((after['GET /api/3/action/package_search'] ?? 0) - (before['GET /api/3/action/package_search'] ?? 0)).toBe(2);
    let withoutEnglish = 0;
    let markdown = 0;
    for (const r of records) {
      const w = t.sim.world.listingById.get(r.id) as TaiyuanListing;
      // What CKAN leaves out or writes its own way, checked here; the rest field by field below.
      if (!w.englishTitle) withoutEnglish++;
      expect(r.titleEn).toBe(w.englishTitle ? w.titleEn : null);
      if (w.description === null) expect(r.description).toBeNull();
      else {
        markdown++;
        const plain = plainNotes(r.description!);
        expect(plain.text).toBe(w.description);
        expect(plain.items).toEqual(w.scenarios);
      }
      expectMatchesWorld(r, { ...w, titleEn: r.titleEn!, description: r.description }, { sectors: 'all', time: 'seconds', keywords: 'all', unit: true });
    }
    expect(withoutEnglish).toBeGreaterThan(0);
    expect(markdown).toBeGreaterThan(1000);
  });

  it('fetches details with package_show, certificates included', async () => {
    const some = pickSome(listings(), 16);
    await expectDetailsMatchWorld(t.adapter, t.sim.world, some);
    const out = await t.adapter.details(some.map((l) => l.nativeId));
    let certificates = 0;
    for (const l of some) {
      const d = out.get(l.nativeId);
      if (!d || d instanceof Error) throw new Error(`no detail for ${l.id}`);
      const w = t.sim.world.detailOf(l);
      expect(d.certificates.map((c) => [c.number, c.issuer, c.kind])).toEqual(w.certificates.map((c) => [c.number, c.issuer, c.kind]));
      for (const [i, c] of d.certificates.entries()) expect(c.issuedAt).toBe(chinaLocalToIso(new Date(w.certificates[i].issuedAtMs + 8 * 3600_000).toISOString().slice(0, 10)));
      certificates += d.certificates.length;
    }
    expect(certificates).toBeGreaterThan(0);
    // Unknown packages: the CKAN 404 is "not found"; a key that is not a package name is not asked for.
    const calls = (await stats(t.sim))['GET /api/3/action/package_show'] ?? 0;
    const unknown = await t.adapter.details(['no-such-package', 'Not A Name']);
    expect(unknown.get('no-such-package')).toBeNull();
    expect(unknown.get('Not A Name')).toBeNull();
    expect((await stats(t.sim))['GET /api/3/action/package_show']).toBe(calls + 1);
  });

  it('maps a wrong token to UPSTREAM_ERROR without showing it', async () => {
    const bad = listAdapter('taiyuan', t.sim.url, { apiToken: 'nope-token' });
    const id = listings()[0].nativeId;
    const detail = (await bad.details([id])).get(id);
    expect(detail).toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('API token rejected') });
    expect((detail as Error).message).not.toContain('nope-token');
    await expect(collect(bad)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('HTTP 403') });
    await bad.close();
  });

  it('maps simulator faults: error envelope, garbage, rate limit, offline, hang', async () => {
    const { adapter, sim } = t;
    await faults(sim, { mode: 'error' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('Search Error') });
    const id = listings()[0].nativeId;
    expect((await adapter.details([id])).get(id)).toMatchObject({ code: 'UPSTREAM_ERROR' });
    await faults(sim, { mode: 'garbage' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' }); // truncated JSON
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' }); // wrong envelope
    await faults(sim, { mode: 'ratelimit' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 1 });
    await faults(sim, { mode: 'offline' });
    await expect(collect(adapter)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await faults(sim, { mode: 'hang' });
    const quick = listAdapter('taiyuan', sim.url, {}, { timeouts: { headersMs: 200, totalMs: 1000 } });
    await expect(collect(quick)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await quick.close();
  });
});

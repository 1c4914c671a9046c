// The enterprise registry's adapter against its simulator (harness: ./contract-harness.ts).

import { describe, expect, it } from 'vitest';
import { LOOKUP_PATH, createRegistryAdapter } from '../../../subgraphs/registry/adapter.ts';
import { stats, useSimulator } from './contract-harness.ts';

describe('registry adapter ↔ simulator', () => {
  const t = useSimulator('registry', (sim) => createRegistryAdapter({ baseUrl: sim.url }));

  it('looks every provider up in chunks of 100', async () => {
    const { sim, adapter } = t;
    const codes = sim.world.providers.map((p) => p.creditCode);
    const out = await adapter.lookup([...codes, ...codes.slice(0, 50)]);
    const known = codes.filter((c) => sim.world.registry.has(c));
    expect(out.size).toBe(known.length);
    expect((await stats(sim))[`GET ${LOOKUP_PATH}`]).toBe(Math.ceil(codes.length / 100));
    for (const p of sim.world.providers) {
      const w = sim.world.registry.get(p.creditCode);
      const r = out.get(p.creditCode);
      if (!w) {
        expect(r).toBeUndefined();
        continue;
      }
      expect(r).toMatchObject({ creditCode: p.creditCode, name: w.name, status: w.regStatus, regionCode: p.regionCode, establishedOn: w.establishDate });
      if (w.regCapital?.endsWith('人民币')) expect(r!.registeredCapitalFen).toBeGreaterThan(0);
    }
  });
});

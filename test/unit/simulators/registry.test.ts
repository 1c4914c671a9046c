import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulators/index.ts';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';
import { call } from './helpers.ts';

let sim: RunningSimulator;
const key = { 'x-api-key': SIM_CREDENTIALS.registry.apiKey };

beforeAll(async () => {
  sim = await startSimulator('registry', { port: 0, seed: 20240506, scale: 1 });
});
afterAll(() => sim.close());

const lookup = (codes: string[], headers: Record<string, string> = key) => call(sim.url, 'GET', `/api/v1/enterprises?codes=${codes.join(',')}`, { headers });

describe('registry', () => {
  it('needs the API key', async () => {
    const known = [...sim.world.registry.keys()][0];
    const res = await lookup([known], { 'x-api-key': 'wrong' });
    expect(res.status).toBe(401);
    expect(res.json().code).toBe(401);
    expect((await call(sim.url, 'GET', `/api/v1/enterprises?codes=${known}`)).status).toBe(401);
  });

  it('returns known codes and leaves unknown ones out', async () => {
    const unknownProvider = sim.world.providers.find((p) => !sim.world.registry.has(p.creditCode))!;
    const legacy = sim.world.providers.find((p) => !p.creditCodeValid && sim.world.registry.has(p.creditCode))!;
    const known = [...sim.world.registry.keys()].slice(0, 3);
    const res = await lookup([...known, unknownProvider.creditCode, legacy.creditCode]);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.code).toBe(0);
    expect(body.data.map((e: any) => e.uscc)).toEqual([...known, legacy.creditCode]);
    expect(body.data[0]).toMatchObject({ name: sim.world.registry.get(known[0])!.name, regStatus: expect.any(String) });
    expect(body.data[0].establishDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('accepts 100 codes and refuses 101 with HTTP 400', async () => {
    const codes = sim.world.providers.slice(0, 101).map((p) => p.creditCode);
    const hundred = await lookup(codes.slice(0, 100));
    expect(hundred.status).toBe(200);
    expect(hundred.json().data.length).toBe(codes.slice(0, 100).filter((c) => sim.world.registry.has(c)).length);
    const over = await lookup(codes);
    expect(over.status).toBe(400);
    expect(over.json()).toMatchObject({ code: 400, data: null });
    expect((await lookup([])).status).toBe(400);
  });
});

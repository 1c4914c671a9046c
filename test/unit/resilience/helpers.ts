// Test helpers for the resilience policy: a guarded client, recorded sleeps, simulator control.

import { request } from 'undici';
import { UpstreamClient } from '../../../subgraphs/common/upstream.ts';
import { UpstreamGuard, type ResilienceHooks, type ResilienceSettings } from '../../../subgraphs/common/resilience/index.ts';

/** Sleeps that only record what was asked (fast tests), still honouring an abort. */
export function recordedSleep(): { delays: number[]; sleep: NonNullable<ResilienceHooks['sleep']> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms, signal) => {
      delays.push(ms);
      return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
    },
  };
}

/** Fast settings: no real waiting unless a test asks for it, breaker effectively off. */
export const QUIET: Partial<ResilienceSettings> = {
  backoffBaseMs: 10,
  backoffMaxMs: 40,
  breakerMinimumCalls: Infinity,
};

export function guardedClient(baseUrl: string, settings: Partial<ResilienceSettings> = {}, hooks: ResilienceHooks = {}, upstream = 'beijing'): { client: UpstreamClient; guard: UpstreamGuard } {
  const guard = new UpstreamGuard(upstream, { ...QUIET, ...settings }, { random: () => 0.5, ...hooks });
  const client = new UpstreamClient({ upstream, baseUrl, policy: guard.policy, timeouts: { totalMs: 2_000 } });
  return { client, guard };
}

/** JSON call to a simulator control route. */
export async function sim(baseUrl: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const res = await request(baseUrl + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await res.body.text();
  return text ? JSON.parse(text) : undefined;
}

export async function simHits(baseUrl: string): Promise<number> {
  return (await sim(baseUrl, 'GET', '/__sim/stats')).total as number;
}

/** The rejection of `p` (fails the test when it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<any> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

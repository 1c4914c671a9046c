// One UpstreamGuard per upstream per process, shared by every client of that upstream, and
// readable in-process (catalog exchange status, /readyz detail).
//
// Scope: a guard lives in the process that makes the calls. In production every subgraph is
// its own process, so the catalog's registry holds the breakers of the catalog's own adapters
// (its harvest and probe calls), not those of the exchange subgraphs' detail calls; when the
// whole stack runs in one process (`npm start`, e2e tests) they share one guard per upstream.
//
// Guards are reference-counted: acquire() when a client is created, release() when it closes.
// The last release drops the guard, so a new stack in the same process starts with closed
// breakers. While a guard lives, the settings of its first acquirer apply.

import { UpstreamGuard, type BreakerState, type UpstreamHealth } from './guard.ts';
import type { ResilienceHooks, ResilienceSettings } from './settings.ts';
import { log } from '../../../lib/observability/log.ts';
import { trackBreakers } from '../../../lib/observability/metrics.ts';

export interface GuardLease {
  guard: UpstreamGuard;
  /** Gives the lease back; idempotent. */
  release(): void;
}

export class ResilienceRegistry {
  private readonly hooks: ResilienceHooks;

  private readonly entries = new Map<string, { guard: UpstreamGuard; refs: number }>();

  constructor(hooks: ResilienceHooks = {}) {
    this.hooks = hooks;
  }

  /** The guard of `upstream`, created with `settings` if it does not exist yet. */
  acquire(upstream: string, settings: Partial<ResilienceSettings> = {}): GuardLease {
    let entry = this.entries.get(upstream);
    if (!entry) {
      entry = { guard: new UpstreamGuard(upstream, settings, this.hooks), refs: 0 };
      this.entries.set(upstream, entry);
    }
    entry.refs++;
    const held = entry;
    let released = false;
    return {
      guard: held.guard,
      release: () => {
        if (released) return;
        released = true;
        if (--held.refs === 0 && this.entries.get(upstream) === held) this.entries.delete(upstream);
      },
    };
  }

  guard(upstream: string): UpstreamGuard | undefined {
    return this.entries.get(upstream)?.guard;
  }

  /** Breaker state of `upstream`; undefined when no client of it exists in this process. */
  breakerState(upstream: string): BreakerState | undefined {
    return this.entries.get(upstream)?.guard.breakerState;
  }

  health(upstream: string): UpstreamHealth | undefined {
    return this.entries.get(upstream)?.guard.health();
  }

  /** Breaker state of every upstream with a live client, by name (cheaper than snapshot()). */
  breakerStates(): Record<string, BreakerState> {
    return Object.fromEntries([...this.entries].map(([name, e]) => [name, e.guard.breakerState]));
  }

  /** Every upstream with a live client, by name. */
  snapshot(): Record<string, UpstreamHealth> {
    return Object.fromEntries([...this.entries].map(([name, e]) => [name, e.guard.health()]));
  }
}

/** The process-wide registry the adapters use (subgraphs/adapters.ts). */
export const upstreamHealth = new ResilienceRegistry({
  onStateChange: (upstream, state, detail) => log.warn({ component: 'resilience', upstream, breaker: state }, `${upstream}: circuit ${state} (${detail})`),
});
// dataex_breaker_state{upstream}
trackBreakers(() => upstreamHealth.breakerStates());

/** Breaker state of an upstream in this process: 'closed' | 'open' | 'half-open', or undefined. */
export function breakerState(upstream: string): BreakerState | undefined {
  return upstreamHealth.breakerState(upstream);
}

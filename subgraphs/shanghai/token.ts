// OAuth client-credentials token for Shanghai: cached until shortly before it expires, one
// refresh in flight at a time however many calls need it.

import { z } from 'zod';
import { UpstreamError } from '../common/errors.ts';
import { clip, describeZodError, parseJson, prop } from '../common/normalize.ts';
import type { UpstreamClient } from '../common/upstream.ts';
import { raceAbort } from '../common/resilience/budget.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const TOKEN_PATH = '/oauth/token';

export interface TokenSource {
  /** A token believed valid now; fetches one when none is cached or it is about to expire. */
  get(signal?: AbortSignal): Promise<string>;
  /** Forget `token` (the upstream rejected it); a newer token fetched meanwhile is kept. */
  invalidate(token: string): void;
}

export interface TokenSourceOptions {
  client: UpstreamClient;
  clientId: string;
  clientSecret: string;
  now?: () => number;
}

const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.number().positive(),
});

/** Refresh this long before expiry: 10% of the lifetime, at most 30 s. */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(30_000, lifetimeMs / 10);
}

export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const now = options.now ?? Date.now;
  let cached: { token: string; refreshAt: number } | null = null;
  let inflight: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const startedAt = now();
    const res = await options.client.request({
      method: 'POST',
      path: TOKEN_PATH,
      json: { grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret },
      idempotent: true,
      route: `POST ${TOKEN_PATH}`,
    });
    const what = 'shanghai token';
    if (res.status === 401 || res.status === 403) {
      throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, 'shanghai', `${what}: client credentials rejected (HTTP ${res.status})`);
    }
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, 'shanghai', `${what}: unexpected HTTP ${res.status}`);
    const body = parseJson(res.text, 'shanghai', what);
    const parsed = tokenSchema.safeParse(body);
    if (!parsed.success) {
      // An error envelope on HTTP 200 carries `message`; never echo anything else of the body.
      const message = prop(body, 'message');
      const detail = typeof message === 'string' ? clip(message) : describeZodError(parsed.error);
      throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, 'shanghai', `${what}: no token in reply (${detail})`);
    }
    // Lifetime counted from when we asked, so network time eats into the margin, not past it.
    const lifetimeMs = parsed.data.expires_in * 1000;
    cached = { token: parsed.data.access_token, refreshAt: startedAt + lifetimeMs - refreshMargin(lifetimeMs) };
    return parsed.data.access_token;
  }

  return {
    get(signal) {
      signal?.throwIfAborted();
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      // The shared fetch must not die with one caller's signal; each caller only stops waiting.
      inflight ??= fetchToken().finally(() => {
        inflight = null;
      });
      return signal ? raceAbort(inflight, signal) : inflight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
  };
}

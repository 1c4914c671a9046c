// Enterprise registry adapter: batched USCC look-ups with an API key.

import pLimit from 'p-limit';
import { DEVELOPMENT_UPSTREAM_CREDENTIALS } from '../../lib/config.ts';
import type { RegistryAdapter } from '../common/adapter.ts';
import { UpstreamError } from '../common/errors.ts';
import { looksLikeUscc } from '../common/identifiers.ts';
import type { Registration } from '../common/model.ts';
import { chunk, clampInt } from '../common/normalize.ts';
import { UpstreamClient, type UpstreamPolicy } from '../common/upstream.ts';
import { UPSTREAM, mapLookupResponse } from './mapping.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export interface RegistryAdapterOptions {
  /** e.g. DATAEX_REGISTRY_URL, "http://127.0.0.1:4104". */
  baseUrl: string;
  apiKey?: string;
  /** Codes per call; the upstream accepts at most 100. */
  batchSize?: number;
  /** Parallel look-up calls (default 4). */
  concurrency?: number;
  /** Injected client (the adapter takes ownership and closes it); else one is created. */
  client?: UpstreamClient;
  /** Resilience policy for the created client (ignored when `client` is given). */
  policy?: UpstreamPolicy;
}

export const LOOKUP_PATH = '/api/v1/enterprises';

export function createRegistryAdapter(options: RegistryAdapterOptions): RegistryAdapter {
  const apiKey = options.apiKey ?? DEVELOPMENT_UPSTREAM_CREDENTIALS.registry.apiKey;
  const batchSize = clampInt(options.batchSize, 100, 100);
  const limit = pLimit(clampInt(options.concurrency, 4, 256));
  const client = options.client ?? new UpstreamClient({ upstream: UPSTREAM, baseUrl: options.baseUrl, policy: options.policy });

  async function lookupChunk(codes: string[], signal?: AbortSignal): Promise<Registration[]> {
    const what = `registry lookup (${codes.length} codes)`;
    const res = await client.request({
      method: 'GET',
      path: LOOKUP_PATH,
      query: { codes: codes.join(',') },
      headers: { 'X-Api-Key': apiKey },
      signal,
      route: `GET ${LOOKUP_PATH}`,
    });
    if (res.status === 401 || res.status === 403) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, UPSTREAM, `${what}: API key rejected (HTTP ${res.status})`);
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, UPSTREAM, `${what}: unexpected HTTP ${res.status}`);
    return mapLookupResponse(res.text).registrations;
  }

  async function lookup(creditCodes: readonly string[], signal?: AbortSignal): Promise<Map<string, Registration>> {
    // Only USCC-shaped codes are sent: anything else cannot be registered, and a comma would
    // split into extra codes.
    const codes = [...new Set(creditCodes.map((c) => c.trim().toUpperCase()))].filter(looksLikeUscc);
    const out = new Map<string, Registration>();
    const wanted = new Set(codes);
    const batches = await Promise.all(chunk(codes, batchSize).map((batch) => limit(() => lookupChunk(batch, signal))));
    for (const r of batches.flat()) if (wanted.has(r.creditCode)) out.set(r.creditCode, r);
    // Callers ask with their own spelling; answer under it too.
    for (const c of creditCodes) {
      const r = out.get(c.trim().toUpperCase());
      if (r && !out.has(c)) out.set(c, r);
    }
    return out;
  }

  return { lookup, close: () => client.close() };
}

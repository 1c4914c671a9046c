// The signed principal header on its own: audience (the target subgraph), expiry, nonce
// (replays), tampering, and the nonce store shared through Redis (with its memory fallback).

import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../../lib/redis.ts';
import { PrincipalRejected, PrincipalVerifier, RedisNonceStore, SIGNATURE_TTL_MS, encodeClaims, signRequest } from '../../lib/principal-token.ts';
import type { Principal } from '../../lib/principal.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';
import { freePort } from '../helpers/process.ts';

const SECRET = 'unit-test-signing-secret-0123456789abcdef';
const admin: Principal = { id: 'mallory', role: 'admin', clearance: { maxLevel: 'CORE', maxGrade: null }, personalInfo: true };
const claims = encodeClaims(admin);
const body = JSON.stringify({ query: '{ __typename }' });

/** The rejection message of a verification, or 'accepted'. */
async function outcome(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (e) {
    if (e instanceof PrincipalRejected) return e.message;
    throw e;
  }
}

describe('signed principal header', () => {
  it('is accepted once by the subgraph it was signed for', async () => {
    const verifier = new PrincipalVerifier(SECRET);
    const signature = signRequest(SECRET, claims, body, Date.now(), 'beijing');
    expect(await verifier.verify(claims, signature, body, 'beijing')).toEqual(admin);
  });

  it('is refused by any other subgraph (the audience is signed)', async () => {
    const signature = signRequest(SECRET, claims, body, Date.now(), 'beijing');
    expect(await outcome(() => new PrincipalVerifier(SECRET).verify(claims, signature, body, 'shanghai'))).toMatch(/signed for another subgraph/);
    // Re-labelling the audience in the header breaks the HMAC.
    const relabelled = signature.replace(/\.beijing$/, '.shanghai');
    expect(relabelled).not.toBe(signature);
    expect(await outcome(() => new PrincipalVerifier(SECRET).verify(claims, relabelled, body, 'shanghai'))).toMatch(/bad signature/);
    // A header that names no subgraph (the old format) is refused everywhere.
    const [expires, nonce, mac] = signature.split('.');
    expect(await outcome(() => new PrincipalVerifier(SECRET).verify(claims, `${expires}.${nonce}.${mac}`, body, 'beijing'))).not.toBe('accepted');
  });

  it('is refused when replayed', async () => {
    const verifier = new PrincipalVerifier(SECRET);
    const signature = signRequest(SECRET, claims, body, Date.now(), 'catalog');
    expect(await outcome(() => verifier.verify(claims, signature, body, 'catalog'))).toBe('accepted');
    expect(await outcome(() => verifier.verify(claims, signature, body, 'catalog'))).toMatch(/replayed/);
  });

  it('is refused after it expires, and when it claims to live too long', async () => {
    const verifier = new PrincipalVerifier(SECRET);
    const now = Date.now();
    const signature = signRequest(SECRET, claims, body, now, 'catalog');
    expect(await outcome(() => verifier.verify(claims, signature, body, 'catalog', now + SIGNATURE_TTL_MS + 1))).toMatch(/expired/);
    const future = signRequest(SECRET, claims, body, now + 10 * SIGNATURE_TTL_MS, 'catalog');
    expect(await outcome(() => verifier.verify(claims, future, body, 'catalog', now))).toMatch(/too far into the future/);
  });

  it('is refused with another secret, other claims or another body', async () => {
    const verifier = new PrincipalVerifier(SECRET);
    const forged = signRequest('not-the-secret', claims, body, Date.now(), 'catalog');
    expect(await outcome(() => verifier.verify(claims, forged, body, 'catalog'))).toMatch(/bad signature/);
    const signature = signRequest(SECRET, claims, body, Date.now(), 'catalog');
    expect(await outcome(() => verifier.verify(encodeClaims({ ...admin, id: 'eve' }), signature, body, 'catalog'))).toMatch(/bad signature/);
    expect(await outcome(() => verifier.verify(claims, signature, '{"query":"{ search { totalCount } }"}', 'catalog'))).toMatch(/bad signature/);
    expect(await outcome(() => verifier.verify(claims, undefined, body, 'catalog'))).toMatch(/unsigned/);
    expect(await outcome(() => verifier.verify(claims, 'garbage', body, 'catalog'))).toMatch(/malformed/);
  });
});

const skip = await skipWithoutRedis();

describe.skipIf(skip)('nonces shared through Redis', () => {
  const prefix = uniquePrefix();
  const clients: RedisClient[] = [];
  const connect = (url = REDIS_URL) => {
    const redis = connectRedis({ url, keyPrefix: prefix, commandTimeoutMs: 250 });
    clients.push(redis);
    return redis;
  };
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await deletePrefix(prefix);
  });

  const ready = async (redis: RedisClient) => {
    const deadline = Date.now() + 5_000;
    while (redis.status !== 'ready') {
      if (Date.now() > deadline) throw new Error(`Redis not ready (${redis.status})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('refuse on one replica a header another replica accepted', async () => {
    const [a, b] = [connect(), connect()];
    await Promise.all([ready(a), ready(b)]);
    const replicaA = new PrincipalVerifier(SECRET, { nonces: new RedisNonceStore(a) });
    const replicaB = new PrincipalVerifier(SECRET, { nonces: new RedisNonceStore(b) });
    const signature = signRequest(SECRET, claims, body, Date.now(), 'beijing');
    expect(await outcome(() => replicaA.verify(claims, signature, body, 'beijing'))).toBe('accepted');
    expect(await outcome(() => replicaB.verify(claims, signature, body, 'beijing'))).toMatch(/replayed/);
    // The nonce key lives under the prefix, for about the token's remaining lifetime.
    const nonce = signature.split('.')[1];
    const ttl = await a.pttl(`nonce:${nonce}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(SIGNATURE_TTL_MS + 5_000);
  });

  it("fall back to the replica's own memory while Redis is unreachable", async () => {
    const down = connect(`redis://127.0.0.1:${await freePort()}`);
    const replica = new PrincipalVerifier(SECRET, { nonces: new RedisNonceStore(down) });
    const signature = signRequest(SECRET, claims, body, Date.now(), 'beijing');
    expect(await outcome(() => replica.verify(claims, signature, body, 'beijing'))).toBe('accepted');
    expect(await outcome(() => replica.verify(claims, signature, body, 'beijing'))).toMatch(/replayed/);
  });
});

// The caller, carried from the gateway to the subgraphs. The gateway signs every subgraph
// request; subgraphs trust nothing unsigned.
//
//   x-dataex-principal: base64url(JSON claims)                                (stable per caller: a sharing key)
//   x-dataex-signature: <expiresAtMs>.<nonce>.<hex HMAC-SHA256>.<audience>    (per request)
//
// The HMAC covers the audience (the name of the subgraph the call is for), the claims, the
// expiry, the nonce and a SHA-256 of the request body, so a captured header cannot be moved
// onto another query or another subgraph, is worthless after its short validity, and (the
// nonce) cannot be replayed even within it: not on the same replica (memory), nor on another
// replica of the subgraph when Redis is configured (SET NX on the nonce, shared by every
// replica). While Redis is unreachable each replica falls back to its own memory, with a
// warning: a replay on another replica is then possible for at most the token's lifetime.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { DATA_LEVELS, ROLES, type Principal } from './principal.ts';
import { log } from './observability/log.ts';
import { ConfigError, DEVELOPMENT_SIGNING_SECRET, isLoopbackHost } from './config.ts';
import { RedisGuard, type RedisClient } from './redis.ts';

export { DEVELOPMENT_SIGNING_SECRET };

/**
 * The secret a gateway or subgraph process signs or verifies with. Beyond loopback it must be
 * set (loadConfig has already refused a short one and the development default there); on
 * loopback an unset secret is the development default, with a warning (separate processes
 * on one machine must agree, and nobody else can reach them).
 */
export function signingSecretOf(config: { host: string; signingSecret: string | undefined }, who: string): string {
  if (config.signingSecret) return config.signingSecret;
  if (!isLoopbackHost(config.host)) {
    throw new ConfigError(
      'DATAEX_SIGNING_SECRET',
      `must be set when the ${who} listens beyond loopback (DATAEX_HOST=${config.host}): without it anyone who reaches a subgraph can sign themselves in as admin with the public development default. ` +
        'Generate one with `openssl rand -base64 32` and give the same value to the gateway and every subgraph (compose: .env, see .env.example; Kubernetes: the dataex-secrets Secret).',
    );
  }
  log.warn({ component: who }, 'DATAEX_SIGNING_SECRET is not set: using the development default (loopback only); set it (openssl rand -base64 32) before listening beyond loopback');
  return DEVELOPMENT_SIGNING_SECRET;
}
/** How long a signed header stays valid. Subgraph calls happen within milliseconds of signing. */
export const SIGNATURE_TTL_MS = 30_000;

/** Clock skew tolerated between the gateway and the subgraphs (and between replicas). */
const SKEW_MS = 5_000;

export function encodeClaims(principal: Principal): string {
  return Buffer.from(JSON.stringify(principal)).toString('base64url');
}

function mac(secret: string, audience: string, claims: string, expiresAt: number, nonce: string, body: string | Buffer): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`${audience}\n${claims}\n${expiresAt}\n${nonce}\n${bodyHash}`).digest('hex');
}

// Nonces need only be unique, not secret (the HMAC covers them): a random per-process prefix
// and a counter, instead of a random-bytes call per subgraph request.
const NONCE_PREFIX = randomBytes(9).toString('base64url');
let nonceCounter = 0;
function nextNonce(): string {
  nonceCounter = (nonceCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${NONCE_PREFIX}${nonceCounter.toString(36)}`;
}

/**
 * The signature header of one subgraph call. `audience` is the name of the subgraph it is for
 * (its name in the supergraph, which is the name the subgraph serves under); a header signed
 * without one is refused by every subgraph.
 */
export function signRequest(secret: string, claims: string, body: string | Buffer, now = Date.now(), audience = ''): string {
  const expiresAt = now + SIGNATURE_TTL_MS;
  const nonce = nextNonce();
  return `${expiresAt}.${nonce}.${mac(secret, audience, claims, expiresAt, nonce, body)}.${audience}`;
}

export class PrincipalRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrincipalRejected';
  }
}

function parsePrincipal(claims: string): Principal {
  let p: Principal;
  try {
    p = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Principal;
  } catch {
    throw new PrincipalRejected('principal claims are not valid JSON');
  }
  const ok =
    typeof p?.id === 'string' &&
    (ROLES as readonly string[]).includes(p.role) &&
    DATA_LEVELS.includes(p.clearance?.maxLevel) &&
    (p.clearance.maxGrade === null || Number.isInteger(p.clearance.maxGrade)) &&
    typeof p.personalInfo === 'boolean';
  if (!ok) throw new PrincipalRejected('principal claims are malformed');
  return p;
}

/**
 * Remembers the nonces of accepted headers across replicas. `claim` answers true when the
 * nonce is new (and now taken), false when another replica took it (a replay), undefined when
 * the store cannot tell (Redis unreachable): the verifier then relies on its own memory.
 */
export interface SharedNonceStore {
  claim(nonce: string, ttlMs: number): Promise<boolean | undefined>;
}

/**
 * Nonces in Redis: `SET <prefix>nonce:<nonce> 1 NX PX <ttl>` (the client's key prefix,
 * DATAEX_REDIS_PREFIX, applies), one key per accepted header, gone once the header has expired.
 * Redis trouble is never an outage: a command that fails or takes longer than the deadline
 * counts as "cannot tell", nothing waits for a Redis that is down (not ready), and after a few
 * failures in a row Redis is skipped for a second. Falling back is logged (at most every 10 s).
 */
export class RedisNonceStore implements SharedNonceStore {
  private readonly redis: RedisClient;

  private readonly guard: RedisGuard;
  private lastWarning = 0;
  /** Claims answered without Redis (for tests and diagnostics). */
  fallbacks = 0;

  constructor(redis: RedisClient, options: { deadlineMs?: number } = {}) {
    this.redis = redis;
    this.guard = new RedisGuard(redis, { deadlineMs: options.deadlineMs ?? 250 });
  }

  async claim(nonce: string, ttlMs: number): Promise<boolean | undefined> {
    try {
      return (await this.guard.run(() => this.redis.set(`nonce:${nonce}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'))) === 'OK';
    } catch (e) {
      return this.fallBack(e instanceof Error ? e.message : String(e));
    }
  }

  private fallBack(reason: string): undefined {
    this.fallbacks++;
    const now = Date.now();
    if (now - this.lastWarning >= 10_000) {
      this.lastWarning = now;
      log.warn({ component: 'principal' }, `nonce check without Redis (${reason}): replays are refused per replica only until Redis answers again`);
    }
    return undefined;
  }
}

export interface VerifierOptions {
  /** Nonces shared by every replica (Redis); unset = this process's memory only. */
  nonces?: SharedNonceStore;
}

/** Verifies signed principal headers; remembers nonces so a header is accepted once. */
export class PrincipalVerifier {
  private readonly secret: string;

  private readonly seen = new LRUCache<string, true>({ max: 200_000, ttl: SIGNATURE_TTL_MS + SKEW_MS });
  private readonly shared: SharedNonceStore | undefined;

  constructor(secret: string, options: VerifierOptions = {}) {
    this.secret = secret;
    this.shared = options.nonces;
  }

  /**
   * The caller of a request to the subgraph named `audience`, or PrincipalRejected. Answers at
   * once without a shared nonce store; with one, once Redis has answered (or failed).
   */
  verify(claims: string | undefined, signature: string | undefined, body: string | Buffer, audience: string, now = Date.now()): Principal | Promise<Principal> {
    if (!claims || !signature) throw new PrincipalRejected('unsigned request: subgraphs answer only the gateway');
    const [expiresText, nonce, given, ...rest] = signature.split('.');
    const signedFor = rest.join('.');
    const expiresAt = Number(expiresText);
    if (!Number.isFinite(expiresAt) || !nonce || !given || !/^[0-9a-f]{64}$/.test(given)) throw new PrincipalRejected('malformed signature');
    const expected = mac(this.secret, signedFor, claims, expiresAt, nonce, body);
    if (!timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(expected, 'hex'))) throw new PrincipalRejected('bad signature');
    if (signedFor !== audience) throw new PrincipalRejected(signedFor ? 'signature signed for another subgraph' : 'signature names no subgraph (signed for another subgraph?)');
    if (expiresAt < now) throw new PrincipalRejected('expired signature');
    if (expiresAt > now + SIGNATURE_TTL_MS + SKEW_MS) throw new PrincipalRejected('signature valid too far into the future');
    if (this.seen.has(nonce)) throw new PrincipalRejected('replayed signature');
    this.seen.set(nonce, true);
    const principal = parsePrincipal(claims);
    if (!this.shared) return principal;
    // Remembered for the rest of the header's life, plus the skew another replica may allow.
    return this.shared.claim(nonce, expiresAt - now + SKEW_MS).then((fresh) => {
      if (fresh === false) throw new PrincipalRejected('replayed signature');
      return principal;
    });
  }
}

/** A verifier with nonces shared through `redis` when there is one. */
export function principalVerifier(secret: string, redis: RedisClient | undefined): PrincipalVerifier {
  return new PrincipalVerifier(secret, redis ? { nonces: new RedisNonceStore(redis) } : {});
}

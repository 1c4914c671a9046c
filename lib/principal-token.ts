// The caller, carried from the gateway to the subgraphs. The gateway signs every subgraph
// request; subgraphs trust nothing unsigned.
//
//   x-dataex-principal: base64url(JSON claims)                     (stable per caller: a sharing key)
//   x-dataex-signature: <expiresAtMs>.<nonce>.<hex HMAC-SHA256>    (per request)
//
// The HMAC covers the claims, the expiry, the nonce and a SHA-256 of the request body, so a
// captured header cannot be moved onto another query, is worthless after its short validity,
// and (the nonce) cannot be replayed even within it.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../subgraphs/common/principal.ts';
import { DATA_LEVELS } from '../subgraphs/common/model.ts';
import { log } from './observability/log.ts';

export const PRINCIPAL_HEADER = 'x-dataex-principal';

/** Used by separately started processes when DATAEX_SIGNING_SECRET is unset: fine on a laptop, never in production. */
export const DEVELOPMENT_SIGNING_SECRET = 'dataex-development-signing-secret-change-me';

/** The configured secret, or the development default with a warning (separate processes must agree). */
export function signingSecretOf(configured: string | undefined, who: string): string {
  if (configured) return configured;
  log.warn({ component: who }, 'DATAEX_SIGNING_SECRET is not set: using the development default; set it in production');
  return DEVELOPMENT_SIGNING_SECRET;
}
export const SIGNATURE_HEADER = 'x-dataex-signature';

/** How long a signed header stays valid. Subgraph calls happen within milliseconds of signing. */
export const SIGNATURE_TTL_MS = 30_000;

export function encodeClaims(principal: Principal): string {
  return Buffer.from(JSON.stringify(principal)).toString('base64url');
}

function mac(secret: string, claims: string, expiresAt: number, nonce: string, body: string | Buffer): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`${claims}\n${expiresAt}\n${nonce}\n${bodyHash}`).digest('hex');
}

// Nonces need only be unique, not secret (the HMAC covers them): a random per-process prefix
// and a counter, instead of a random-bytes call per subgraph request.
const NONCE_PREFIX = randomBytes(9).toString('base64url');
let nonceCounter = 0;
function nextNonce(): string {
  nonceCounter = (nonceCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${NONCE_PREFIX}${nonceCounter.toString(36)}`;
}

export function signRequest(secret: string, claims: string, body: string | Buffer, now = Date.now()): string {
  const expiresAt = now + SIGNATURE_TTL_MS;
  const nonce = nextNonce();
  return `${expiresAt}.${nonce}.${mac(secret, claims, expiresAt, nonce, body)}`;
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
    ['public', 'analyst', 'admin'].includes(p.role) &&
    DATA_LEVELS.includes(p.clearance?.maxLevel) &&
    (p.clearance.maxGrade === null || Number.isInteger(p.clearance.maxGrade)) &&
    typeof p.personalInfo === 'boolean';
  if (!ok) throw new PrincipalRejected('principal claims are malformed');
  return p;
}

/** Verifies signed principal headers; remembers nonces so a header is accepted once. */
export class PrincipalVerifier {
  private readonly seen = new LRUCache<string, true>({ max: 200_000, ttl: SIGNATURE_TTL_MS + 5_000 });

  constructor(private readonly secret: string) {}

  verify(claims: string | undefined, signature: string | undefined, body: string | Buffer, now = Date.now()): Principal {
    if (!claims || !signature) throw new PrincipalRejected('unsigned request: subgraphs answer only the gateway');
    const [expiresText, nonce, given] = signature.split('.');
    const expiresAt = Number(expiresText);
    if (!Number.isFinite(expiresAt) || !nonce || !given || !/^[0-9a-f]{64}$/.test(given)) throw new PrincipalRejected('malformed signature');
    const expected = mac(this.secret, claims, expiresAt, nonce, body);
    if (!timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(expected, 'hex'))) throw new PrincipalRejected('bad signature');
    if (expiresAt < now) throw new PrincipalRejected('expired signature');
    if (expiresAt > now + SIGNATURE_TTL_MS + 5_000) throw new PrincipalRejected('signature valid too far into the future');
    if (this.seen.has(nonce)) throw new PrincipalRejected('replayed signature');
    this.seen.set(nonce, true);
    return parsePrincipal(claims);
  }
}

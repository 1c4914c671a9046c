// API keys: each maps to a principal. Only a SHA-256 hash of a key is stored; the key itself
// is shown once, at creation. The file store keeps keys.json under DATAEX_DATA_DIR.

import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-file.ts';
import { redisReady, type RedisClient } from '../../lib/redis.ts';
import { HttpError } from '../../lib/http.ts';
import { log } from '../../lib/observability/log.ts';
import { DEFAULT_CLEARANCE, ROLES, type Clearance, type Principal, type Role } from '../../lib/principal.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { Header } from '../../lib/headers.ts';
export { DEFAULT_CLEARANCE };

export interface ApiKeyRecord {
  /** Short public id of the key (for listing and revoking), not the secret. */
  keyId: string;
  /** SHA-256 hex of the key. */
  hash: string;
  principal: Principal;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface NewKey {
  principalId: string;
  role: Role;
  clearance?: Clearance;
  personalInfo?: boolean;
  label?: string;
}

export interface KeyStore {
  findByKey(key: string): Promise<ApiKeyRecord | undefined>;
  create(spec: NewKey): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(keyId: string): Promise<boolean>;
}

/** The roles a key may carry (lib/principal.ts: one list). */
export { ROLES } from '../../lib/principal.ts';

/**
 * Principal ids no key may take: `anonymous` is the keyless caller (its cache entries, rate
 * buckets and audit lines are the public's), the others name dataex itself in logs.
 */
export const RESERVED_PRINCIPAL_IDS: readonly string[] = ['anonymous', 'unknown', 'system', 'dataex', 'gateway', 'internal'];

/** A key that cannot be created as asked (bad id or role, reserved id, id taken with other rights). */
export class KeySpecError extends Error {
  override readonly name = 'KeySpecError';
}

/** What a principal may see: two keys of one principal id must agree on it. */
function rightsOf(p: Principal): string {
  return `${p.role}|${p.clearance.maxLevel}|${p.clearance.maxGrade ?? '*'}|${p.personalInfo ? 'pi' : '-'}`;
}

/**
 * Refuses a new key whose principal id is already held, by a live key, with other rights: one
 * principal id means one access class, so nothing keyed on the id (audit, saved-query owner,
 * rate bucket) can mix two callers who see different data.
 */
export function checkPrincipalUnique(record: ApiKeyRecord, existing: readonly ApiKeyRecord[]): void {
  const id = record.principal.id;
  const other = existing.find((r) => r.revokedAt === null && r.principal.id === id && rightsOf(r.principal) !== rightsOf(record.principal));
  if (other) {
    const p = other.principal;
    throw new KeySpecError(
      `principal id "${id}" is already held by key ${other.keyId} with role ${p.role}, clearance ${p.clearance.maxLevel}` +
        `${p.clearance.maxGrade === null ? '' : ` up to grade ${p.clearance.maxGrade}`}, personal information ${p.personalInfo ? 'unmasked' : 'masked'}: ` +
        'a second key for a principal must carry the same role and clearance (revoke the old key first, or choose another id)',
    );
  }
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newKeyRecord(spec: NewKey, now = new Date()): { key: string; record: ApiKeyRecord } {
  if (!ROLES.includes(spec.role)) throw new KeySpecError(`role must be one of ${ROLES.join(', ')}`);
  if (!/^[\w.@-]{1,64}$/.test(spec.principalId)) throw new KeySpecError('principal id: 1-64 letters, digits, _ . @ -');
  if (RESERVED_PRINCIPAL_IDS.includes(spec.principalId.toLowerCase())) {
    throw new KeySpecError(`principal id "${spec.principalId}" is reserved (${RESERVED_PRINCIPAL_IDS.join(', ')}); choose another`);
  }
  const key = `dx_${randomBytes(24).toString('base64url')}`;
  const hash = hashKey(key);
  const defaults = DEFAULT_CLEARANCE[spec.role];
  return {
    key,
    record: {
      keyId: hash.slice(0, 12),
      hash,
      principal: {
        id: spec.principalId,
        role: spec.role,
        clearance: spec.clearance ?? defaults.clearance,
        personalInfo: spec.personalInfo ?? defaults.personalInfo,
      },
      label: spec.label ?? null,
      createdAt: now.toISOString(),
      revokedAt: null,
    },
  };
}

/** keys.json under the data directory; re-read when another process changed it. */
/** A known key is trusted from memory this long before the file is looked at again. */
const FILE_RECHECK_MS = 250;

export class FileKeyStore implements KeyStore {
  private readonly path: string;
  private cache: { mtimeMs: number; records: ApiKeyRecord[]; byHash: Map<string, ApiKeyRecord>; checkedAt: number } | undefined;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'keys.json');
  }

  private async load(): Promise<ApiKeyRecord[]> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.path)).mtimeMs;
    } catch {
      this.cache = undefined;
      return [];
    }
    if (this.cache && this.cache.mtimeMs === mtimeMs) {
      this.cache.checkedAt = Date.now();
      return this.cache.records;
    }
    const records = JSON.parse(await readFile(this.path, 'utf8')) as ApiKeyRecord[];
    this.cache = { mtimeMs, records, byHash: new Map(records.map((r) => [r.hash, r])), checkedAt: Date.now() };
    return records;
  }

  private async save(records: ApiKeyRecord[]): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(records, null, 2)}\n`);
    this.cache = undefined;
  }

  /**
   * The hot path: a key seen within FILE_RECHECK_MS is answered from memory (so a revocation
   * takes effect within that time); an unknown key always re-reads, so new keys work at once.
   */
  async findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    const hash = hashKey(key);
    const cached = this.cache;
    if (cached && Date.now() - cached.checkedAt < FILE_RECHECK_MS) {
      const known = cached.byHash.get(hash);
      if (known && known.revokedAt === null) return known;
    }
    await this.load();
    const record = this.cache?.byHash.get(hash);
    return record && record.revokedAt === null ? record : undefined;
  }

  async create(spec: NewKey): Promise<{ key: string; record: ApiKeyRecord }> {
    const created = newKeyRecord(spec);
    const existing = await this.load();
    checkPrincipalUnique(created.record, existing);
    await this.save([...existing, created.record]);
    return created;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.load();
  }

  async revoke(keyId: string): Promise<boolean> {
    const records = await this.load();
    const target = records.find((r) => r.keyId === keyId && r.revokedAt === null);
    if (!target) return false;
    await this.save(records.map((r) => (r === target ? { ...r, revokedAt: new Date().toISOString() } : r)));
    return true;
  }
}

/** The key a request carries: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function keyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const credentials = credentialsOf(headers);
  return credentials && 'key' in credentials ? credentials.key : undefined;
}

/** The request carries credentials, well-formed or not (so it is not the anonymous caller). */
export function hasCredentials(headers: Record<string, string | string[] | undefined>): boolean {
  return credentialsOf(headers) !== undefined;
}

/**
 * The credentials a request carries: a key, a reason they cannot be read (an Authorization
 * header that is not `Bearer <key>` must not silently make its caller anonymous), or none.
 */
export function credentialsOf(headers: Record<string, string | string[] | undefined>): { key: string } | { malformed: string } | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.trim() !== '') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return { key: m[1] };
    const scheme = /^\S+/.exec(auth.trim())![0];
    return {
      malformed: `the Authorization header must be "Bearer <API key>"${/^bearer$/i.test(scheme) ? ' (no key after Bearer)' : ` (got the ${scheme.slice(0, 20)} scheme)`}; or send the key in x-api-key`,
    };
  }
  const apiKey = headers[Header.API_KEY];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? { key: apiKey.trim() } : undefined;
}

/**
 * Keys in a Redis hash (field = key hash, value = record JSON; one key, so one slot on a
 * Redis Cluster), shared by every gateway instance. Looked-up records are remembered briefly
 * so a hot key costs no round trip; a revocation takes effect everywhere within that time.
 * While Redis cannot answer (e.g. a cluster failover), a key seen before keeps its last
 * known answer instead of failing the request; an unknown key waits up to `readyWaitMs` for a
 * connection that is not ready yet (start-up), then is answered 503 with Retry-After, never an
 * unexplained failure.
 */
export class RedisKeyStore implements KeyStore {
  private readonly redis: RedisClient;
  private readonly key: string;
  private readonly memoMs: number;
  /** How long a look-up waits for a connection that is not ready yet (start-up, failover). */
  private readonly readyWaitMs: number;

  private readonly memo = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();

  constructor(redis: RedisClient, key = 'keys', memoMs = 5_000, readyWaitMs = 2_000) {
    this.redis = redis;
    this.key = key;
    this.memoMs = memoMs;
    this.readyWaitMs = readyWaitMs;
  }

  async findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    const hash = hashKey(key);
    const known = this.memo.get(hash);
    if (known && known.until > Date.now()) return known.record;
    let raw: string | null;
    try {
      // Starting up (or reconnecting): wait briefly for the connection rather than fail at once.
      if (this.redis.status !== 'ready' && !known) await redisReady(this.redis, this.readyWaitMs);
      raw = await this.redis.hget(this.key, hash);
    } catch (e) {
      if (known) return known.record;
      log.warn({ component: 'keys', err: e }, 'API key look-up failed: Redis unavailable');
      throw new HttpError(503, ErrorCode.SERVICE_UNAVAILABLE, 'API keys cannot be checked right now (the key store is unavailable); retry shortly', { [Header.RETRY_AFTER]: '1' });
    }
    const parsed = raw ? (JSON.parse(raw) as ApiKeyRecord) : undefined;
    const record = parsed && parsed.revokedAt === null ? parsed : undefined;
    if (this.memo.size > 10_000) this.memo.clear();
    this.memo.set(hash, { record, until: Date.now() + this.memoMs });
    return record;
  }

  async create(spec: NewKey): Promise<{ key: string; record: ApiKeyRecord }> {
    const created = newKeyRecord(spec);
    checkPrincipalUnique(created.record, await this.list());
    // Two creators racing for one new id: the rights of the first one written win, and the
    // second key, written after it, is checked again and removed if it disagrees.
    await this.redis.hset(this.key, created.record.hash, JSON.stringify(created.record));
    try {
      checkPrincipalUnique(
        created.record,
        (await this.list()).filter((r) => r.hash !== created.record.hash && r.createdAt <= created.record.createdAt),
      );
    } catch (e) {
      await this.redis.hdel(this.key, created.record.hash);
      throw e;
    }
    return created;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return Object.values(await this.redis.hgetall(this.key)).map((v) => JSON.parse(v) as ApiKeyRecord);
  }

  async revoke(keyId: string): Promise<boolean> {
    const target = (await this.list()).find((r) => r.keyId === keyId && r.revokedAt === null);
    if (!target) return false;
    await this.redis.hset(this.key, target.hash, JSON.stringify({ ...target, revokedAt: new Date().toISOString() }));
    this.memo.delete(target.hash);
    return true;
  }
}

/** The key store a deployment uses: Redis when configured (shared by every instance), else the file. */
export function keyStoreFor(dataDir: string, redis: RedisClient | undefined): KeyStore {
  return redis ? new RedisKeyStore(redis) : new FileKeyStore(dataDir);
}

// `dataex keys create|list|revoke`: API keys where the gateway keeps them — in Redis when
// DATAEX_REDIS_URL or DATAEX_REDIS_CLUSTER is set (shared by every instance), else keys.json under --data-dir or
// DATAEX_DATA_DIR (default ./data), which the gateway re-reads when it changes. Keys work at
// once. `create` prints the key once, on stdout alone (scripts capture it); only its hash is stored.

import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { FileKeyStore, KeySpecError, RedisKeyStore, ROLES, type KeyStore } from '../gateway/auth/keys.ts';
import { connectRedis, describeRedis, parseClusterNodes, redisReady } from '../lib/redis.ts';
import type { Clearance, Role } from '../lib/principal.ts';
import { CliError } from './client.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

interface Io {
  stdout: Writable;
  stderr: Writable;
}

const LEVELS = ['GENERAL', 'IMPORTANT', 'CORE'] as const;

export function dataDirOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env.DATAEX_DATA_DIR || './data'));
}

/** Runs `use` with the deployment's key store, closing a Redis connection afterwards. */
async function withStore<T>(dataDir: string | undefined, use: (store: KeyStore) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const url = env.DATAEX_REDIS_URL || undefined;
  const clusterList = env.DATAEX_REDIS_CLUSTER?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const cluster = clusterList && clusterList.length > 0 ? clusterList : undefined;
  if (!url && !cluster) return use(new FileKeyStore(dataDirOf(dataDir, env)));
  if (url && cluster) throw new CliError(EXIT.USAGE, 'DATAEX_REDIS_URL and DATAEX_REDIS_CLUSTER are both set; set one');
  if (cluster) {
    try {
      parseClusterNodes(cluster);
    } catch (e) {
      throw new CliError(EXIT.USAGE, `DATAEX_REDIS_CLUSTER: ${(e as Error).message}`);
    }
  }
  const target = { url, cluster };
  const redis = connectRedis({ ...target, keyPrefix: env.DATAEX_REDIS_PREFIX || 'dataex:', commandTimeoutMs: 3_000 });
  try {
    try {
      await redisReady(redis, 3_000);
    } catch {
      throw new CliError(EXIT.UNREACHABLE, `${describeRedis(target)} is not reachable`);
    }
    return await use(new RedisKeyStore(redis));
  } finally {
    redis.disconnect();
  }
}

export async function createKey(
  opts: { dataDir?: string; principal?: string; role?: string; label?: string; maxLevel?: string; maxGrade?: string; personalInfo: boolean; json: boolean },
  io: Io,
): Promise<ExitCode> {
  if (!opts.principal) throw new CliError(EXIT.USAGE, 'keys create needs --principal <id>');
  const role = (opts.role ?? 'public') as Role;
  if (!ROLES.includes(role)) throw new CliError(EXIT.USAGE, `--role must be one of ${ROLES.join(', ')}`);
  let clearance: Clearance | undefined;
  if (opts.maxLevel !== undefined || opts.maxGrade !== undefined) {
    const maxLevel = (opts.maxLevel ?? 'GENERAL').toUpperCase();
    if (!(LEVELS as readonly string[]).includes(maxLevel)) throw new CliError(EXIT.USAGE, `--max-level must be one of ${LEVELS.join(', ')}`);
    const maxGrade = opts.maxGrade === undefined ? null : Number(opts.maxGrade);
    if (maxGrade !== null && !(Number.isInteger(maxGrade) && maxGrade >= 1 && maxGrade <= 4)) throw new CliError(EXIT.USAGE, '--max-grade must be 1 to 4');
    clearance = { maxLevel: maxLevel as Clearance['maxLevel'], maxGrade };
  }
  const principalId = opts.principal;
  let created: Awaited<ReturnType<KeyStore['create']>>;
  try {
    created = await withStore(opts.dataDir, (store) =>
      store.create({
        principalId,
        role,
        label: opts.label,
        ...(clearance ? { clearance } : {}),
        ...(opts.personalInfo ? { personalInfo: true } : {}),
      }),
    );
  } catch (e) {
    if (e instanceof KeySpecError) throw new CliError(EXIT.USAGE, (e as Error).message);
    throw e;
  }
  const { key, record } = created;
  if (opts.json) io.stdout.write(`${JSON.stringify({ key, keyId: record.keyId, principal: record.principal, label: record.label }, null, 2)}\n`);
  else {
    io.stdout.write(`${key}\n`);
    io.stderr.write(
      `created key ${record.keyId} for ${record.principal.id} (role ${record.principal.role}, clearance ${record.principal.clearance.maxLevel}` +
        `${record.principal.personalInfo ? ', personal information' : ''}); the key above is shown only once\n`,
    );
  }
  return EXIT.OK;
}

export async function listKeys(opts: { dataDir?: string; json: boolean }, io: Io): Promise<ExitCode> {
  const records = await withStore(opts.dataDir, (store) => store.list());
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify(
        records.map(({ hash: _hash, ...r }) => r),
        null,
        2,
      )}\n`,
    );
    return EXIT.OK;
  }
  const rows = [['KEY ID', 'PRINCIPAL', 'ROLE', 'CLEARANCE', 'LABEL', 'CREATED', 'REVOKED']];
  for (const r of records) {
    const c = r.principal.clearance;
    rows.push([
      r.keyId,
      r.principal.id,
      r.principal.role,
      `${c.maxLevel}${c.maxGrade !== null ? `/${c.maxGrade}` : ''}${r.principal.personalInfo ? '+PI' : ''}`,
      r.label ?? '-',
      r.createdAt,
      r.revokedAt ?? '-',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  io.stdout.write(
    `${rows
      .map((row) =>
        row
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n')}\n`,
  );
  return EXIT.OK;
}

export async function revokeKey(opts: { dataDir?: string; keyId: string }, io: Io): Promise<ExitCode> {
  const ok = await withStore(opts.dataDir, (store) => store.revoke(opts.keyId));
  if (!ok) throw new CliError(EXIT.NOT_FOUND, `no active key with id ${opts.keyId}`);
  io.stderr.write(`revoked key ${opts.keyId}\n`);
  return EXIT.OK;
}

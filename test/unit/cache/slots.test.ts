// Cluster-safety helpers without a Redis: slot computation (against ioredis' own
// cluster-key-slot), grouping by slot with the key prefix, response-cache keys sharing a slot,
// and the DATAEX_REDIS_CLUSTER configuration.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { groupBySlot, keySlot } from '../../../lib/cache/slots.ts';
import { cacheKeys } from '../../../gateway/response-cache/cache.ts';
import { ConfigError, loadConfig } from '../../../lib/config.ts';
import { connectRedis, isCluster, parseClusterNodes } from '../../../lib/redis.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';

// ioredis computes slots with cluster-key-slot; ours must agree with it byte for byte.
const fromIoredis = createRequire(createRequire(import.meta.url).resolve('ioredis'));
const clusterKeySlot = fromIoredis('cluster-key-slot') as (key: string) => number;

describe('keySlot', () => {
  it('matches Redis (and cluster-key-slot) on known and random keys', () => {
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('foo')).toBe(12182);
    const samples = ['', 'dataex:rc:abc', '数据集:北京', 'a{b}c', '{}x', '{{a}}', 'ab{cd', 'dataex:up:beijing:detail:3f2a'];
    for (let i = 0; i < 200; i++) samples.push(`k${i}:${Math.random().toString(36).slice(2)}:{t${i % 7}}`);
    for (const key of samples) expect(keySlot(key), key).toBe(clusterKeySlot(key));
  });

  it('uses the first non-empty hash tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('prefix:{tag}:a')).toBe(keySlot('tag'));
    expect(keySlot('{}tag')).toBe(clusterKeySlot('{}tag'));
  });
});

describe('groupBySlot', () => {
  it('is one group on a single Redis', () => {
    const redis = new Redis({ lazyConnect: true });
    expect(groupBySlot(redis, ['a', 'b', 'c'])).toEqual([[0, 1, 2]]);
    expect(groupBySlot(redis, [])).toEqual([]);
    redis.disconnect();
  });

  it('groups by the slot of the prefixed key on a cluster', () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true, keyPrefix: 'dataex:' });
    const keys = ['rc:{d1}:c:x', 'rc:{d1}:p:y', 'up:a', 'up:b', 'rc:{d2}:c:x'];
    const groups = groupBySlot(cluster, keys);
    expect(groups.flat().sort()).toEqual([0, 1, 2, 3, 4]);
    for (const group of groups) {
      const slots = new Set(group.map((i) => keySlot(`dataex:${keys[i]}`)));
      expect(slots.size).toBe(1);
    }
    expect(groups.find((g) => g.includes(0))).toContain(1);
    cluster.disconnect();
  });
});

describe('response cache keys on a cluster', () => {
  it('puts the shared and the private key of one request in one slot', () => {
    for (let i = 0; i < 50; i++) {
      const keys = cacheKeys('POST', Buffer.from(`{"query":"{ q${i} }"}`), { ...ANONYMOUS, id: `caller-${i}` });
      expect(keys.shared).toMatch(/^\{[A-Za-z0-9_-]+\}:POST:c:/);
      expect(keySlot(`dataex:rc:${keys.shared}`)).toBe(keySlot(`dataex:rc:${keys.private}`));
    }
  });
});

describe('DATAEX_REDIS_CLUSTER', () => {
  it('takes host:port seed nodes', () => {
    const config = loadConfig({ DATAEX_REDIS_CLUSTER: '127.0.0.1:7000, redis-1:7001,[::1]:7002' });
    expect(config.redisCluster).toEqual(['127.0.0.1:7000', 'redis-1:7001', '[::1]:7002']);
    expect(config.redisUrl).toBeUndefined();
    expect(loadConfig({}).redisCluster).toBeUndefined();
    expect(parseClusterNodes(config.redisCluster!)).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: 'redis-1', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('refuses bad entries and the combination with DATAEX_REDIS_URL, naming both', () => {
    expect(() => loadConfig({ DATAEX_REDIS_CLUSTER: '127.0.0.1' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATAEX_REDIS_CLUSTER: '127.0.0.1:99999' })).toThrow('DATAEX_REDIS_CLUSTER');
    const both = () => loadConfig({ DATAEX_REDIS_CLUSTER: '127.0.0.1:7000', DATAEX_REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/DATAEX_REDIS_URL.*DATAEX_REDIS_CLUSTER|DATAEX_REDIS_CLUSTER.*DATAEX_REDIS_URL/);
  });

  it('connects with ioredis Cluster, fail-fast options and masters only', () => {
    const cluster = connectRedis({ cluster: ['127.0.0.1:1'], keyPrefix: 'p:', commandTimeoutMs: 250 });
    try {
      expect(isCluster(cluster)).toBe(true);
      const options = (cluster as Cluster).options;
      expect(options.keyPrefix).toBe('p:');
      expect(options.scaleReads).toBe('master');
      expect(options.enableOfflineQueue).toBe(false);
      expect(options.redisOptions?.commandTimeout).toBe(250);
      expect(typeof options.clusterRetryStrategy).toBe('function');
      expect(() => connectRedis({ cluster: ['127.0.0.1:1'], keyPrefix: 'bad{' })).toThrow(/must not contain/);
    } finally {
      cluster.disconnect();
    }
    const single = connectRedis({ url: 'redis://127.0.0.1:1', keyPrefix: 'p:' });
    expect(isCluster(single)).toBe(false);
    single.disconnect();
  });
});

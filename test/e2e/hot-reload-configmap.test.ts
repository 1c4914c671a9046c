// Supergraph hot reload from a Kubernetes ConfigMap volume (deploy/k8s mounts the supergraph at
// /etc/dataex): the kubelet updates it by swapping the `..data` symlink, never by touching
// `supergraph.graphql`. The gateway must switch to new content, ignore a swap that brings the
// same content, and refuse a broken one while keeping the schema it serves.

import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH } from '../../schema/paths.ts';
import { startTestStack, until, type TestStack } from '../helpers/stack.ts';
import { changedSupergraph, exchangesDescription as exchangesOf } from '../helpers/supergraph.ts';
import { configureLogging } from '../../lib/observability/log.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const dir = mkdtempSync(join(tmpdir(), 'dataex-configmap-'));
const file = join(dir, 'supergraph.graphql');
let stack: TestStack;

let generation = 0;
/** A data directory named the way the kubelet names them (`..2026_12_02_10_00_00.123456789`). */
function timestampedDir(content: string): string {
  generation++;
  const name = `..2026_12_02_10_00_${String(generation).padStart(2, '0')}.${String(100000000 + generation)}`;
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'supergraph.graphql'), content);
  return name;
}

/** The volume as the kubelet first lays it out. */
function mountConfigMap(content: string): void {
  symlinkSync(timestampedDir(content), join(dir, '..data'));
  symlinkSync('..data/supergraph.graphql', file);
}

/** An update as the kubelet's atomic writer makes it: new dir, `..data_tmp`, rename, remove the old. */
function kubeletUpdate(content: string): void {
  const old = readlinkSync(join(dir, '..data'));
  symlinkSync(timestampedDir(content), join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  rmSync(join(dir, old), { recursive: true, force: true });
}

const exchangesDescription = () => exchangesOf(stack);

const served = (marker: string) => async () => ((await exchangesDescription()).includes(`(${marker})`) ? true : undefined);

/** The gateway's log (debug and up): the watcher says there what it did with each change. */
let logText = '';
const logLines = (pattern: RegExp) => logText.split('\n').filter((l) => pattern.test(l));
const RELOADED = /supergraph reloaded from/;
const REFUSED = /new supergraph refused, keeping the current one/;
const SAME = /directory changed, content the same as the one served/;

beforeAll(async () => {
  configureLogging({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, done) {
        // Only the watcher's lines: debug logs every subgraph request too.
        for (const line of chunk.toString().split('\n')) if (/supergraph/.test(line)) logText += `${line}\n`;
        done();
      },
    }),
  });
  mountConfigMap(readFileSync(DEFAULT_SUPERGRAPH, 'utf8'));
  stack = await startTestStack({ DATAEX_SUPERGRAPH: file }, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  configureLogging({});
});

it('follows ConfigMap updates made by swapping the ..data symlink', async () => {
  expect(await exchangesDescription()).toBe('Every exchange dataex federates, with harvest status.');

  kubeletUpdate(changedSupergraph('v2'));
  await until('the swapped-in supergraph to be served', served('v2'), 15_000);
  expect(await exchangesDescription()).toBe('Every exchange dataex federates (v2).');
  expect(logLines(RELOADED)).toHaveLength(1);

  // The same content again (the kubelet re-projecting an unchanged ConfigMap): looked at, not reloaded.
  kubeletUpdate(changedSupergraph('v2'));
  await until('the same-content swap to be looked at', () => (logLines(SAME).length > 0 ? true : undefined), 15_000);
  expect(logLines(RELOADED)).toHaveLength(1);

  // A broken supergraph is refused and the old schema stays.
  kubeletUpdate('this is not a supergraph {');
  await until('the broken supergraph to be refused', () => (logLines(REFUSED).length > 0 ? true : undefined), 15_000);
  expect(await exchangesDescription()).toBe('Every exchange dataex federates (v2).');
  expect(logLines(RELOADED)).toHaveLength(1);

  // A good one after it is taken.
  kubeletUpdate(changedSupergraph('v3'));
  await until('the next supergraph to be served', served('v3'), 15_000);
  expect(await exchangesDescription()).toBe('Every exchange dataex federates (v3).');
  expect(logLines(RELOADED)).toHaveLength(2);
  expect(logLines(REFUSED)).toHaveLength(1);

  // The gateway answers real queries on the new schema.
  const res = await stack.gql('{ exchanges { id status } }');
  expect(res.errors).toBeUndefined();
  expect(res.data.exchanges).toHaveLength(EXCHANGES.length);
}, 90_000);

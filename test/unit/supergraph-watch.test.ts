// The supergraph watcher follows a file mounted from a Kubernetes ConfigMap: the kubelet never
// touches the file itself, it swaps the `..data` symlink in the same directory. A swap with new
// content reloads, a swap with the same content does nothing, a broken file is refused.

import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { watchedSupergraph } from '../../gateway/supergraph-watch.ts';
import { DEFAULT_SUPERGRAPH } from '../../schema/paths.ts';
import { until } from '../helpers/stack.ts';

const ORIGINAL = readFileSync(DEFAULT_SUPERGRAPH, 'utf8');
const MARK = '"Every exchange dataex federates, with harvest status."';
const variant = (marker: string) => {
  if (!ORIGINAL.includes(MARK)) throw new Error('the supergraph no longer has the marker description');
  return ORIGINAL.replace(MARK, `"Every exchange dataex federates (${marker})."`);
};

let generation = 0;
/** A timestamped data directory the way the kubelet names them (`..2026_12_02_10_00_00.123456789`). */
function timestampedDir(dir: string, content: string): string {
  generation++;
  const name = `..2026_12_02_10_00_${String(generation).padStart(2, '0')}.${String(100000000 + generation)}`;
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'supergraph.graphql'), content);
  return name;
}

/** A ConfigMap volume as the kubelet first lays it out. */
function mountConfigMap(dir: string, content: string): string {
  const ts = timestampedDir(dir, content);
  symlinkSync(ts, join(dir, '..data'));
  symlinkSync('..data/supergraph.graphql', join(dir, 'supergraph.graphql'));
  return join(dir, 'supergraph.graphql');
}

/** A ConfigMap update exactly as the kubelet's atomic writer does it. */
function kubeletUpdate(dir: string, content: string): void {
  const old = readlinkSync(join(dir, '..data'));
  const ts = timestampedDir(dir, content);
  symlinkSync(ts, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  rmSync(join(dir, old), { recursive: true, force: true });
}

interface Harness {
  updates: string[];
  logs: string[];
  outcomes: string[];
  cleanup: () => Promise<void>;
}
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

async function watch(path: string): Promise<Harness> {
  const updates: string[] = [];
  const logs: string[] = [];
  const outcomes: string[] = [];
  const hook = watchedSupergraph({
    path,
    initialSdl: readFileSync(path, 'utf8'),
    overrides: {},
    onSubgraphs: () => {},
    log: (m) => logs.push(m),
    onChecked: (outcome) => outcomes.push(outcome),
    debounceMs: 20,
  });
  const { supergraphSdl, cleanup } = await hook({ update: (sdl) => void updates.push(sdl), healthCheck: async () => {}, getDataSource: (() => {}) as any });
  expect(supergraphSdl).toBe(readFileSync(path, 'utf8'));
  harness = { updates, logs, outcomes, cleanup: cleanup ?? (async () => {}) };
  return harness;
}

it('reloads when the kubelet swaps ..data to a new supergraph', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataex-cm-'));
  const path = mountConfigMap(dir, ORIGINAL);
  const h = await watch(path);

  kubeletUpdate(dir, variant('v2'));
  await until('the swapped supergraph to be loaded', () => (h.updates.length > 0 ? true : undefined), 10_000);
  expect(h.updates).toEqual([variant('v2')]);
  expect(h.logs.some((l) => l.startsWith(`supergraph reloaded from ${path}`))).toBe(true);

  kubeletUpdate(dir, variant('v3'));
  await until('the second swap to be loaded', () => (h.updates.length > 1 ? true : undefined), 10_000);
  expect(h.updates).toEqual([variant('v2'), variant('v3')]);
});

it('does not reload when a swap brings the same content, and refuses a broken one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataex-cm-'));
  const path = mountConfigMap(dir, ORIGINAL);
  const h = await watch(path);

  kubeletUpdate(dir, ORIGINAL);
  await until('the same-content swap to be checked', () => (h.outcomes.includes('unchanged') ? true : undefined), 10_000);
  expect(h.updates).toEqual([]);

  kubeletUpdate(dir, 'this is not a supergraph {');
  await until('the broken supergraph to be refused', () => (h.outcomes.includes('refused') ? true : undefined), 10_000);
  expect(h.updates).toEqual([]);
  expect(h.logs.some((l) => l.includes('new supergraph refused, keeping the current one'))).toBe(true);

  // The old schema is still the one served: going back to it changes nothing, a good one loads.
  kubeletUpdate(dir, variant('v4'));
  await until('the good supergraph after the broken one to be loaded', () => (h.updates.length > 0 ? true : undefined), 10_000);
  expect(h.updates).toEqual([variant('v4')]);
});

it('still follows a plain file replaced by rename or overwritten in place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataex-cm-'));
  const path = join(dir, 'supergraph.graphql');
  writeFileSync(path, ORIGINAL);
  const h = await watch(path);

  writeFileSync(`${path}.tmp`, variant('r2'));
  renameSync(`${path}.tmp`, path);
  await until('the renamed file to be loaded', () => (h.updates.length > 0 ? true : undefined), 10_000);
  writeFileSync(path, variant('r3'));
  await until('the overwritten file to be loaded', () => (h.updates.length > 1 ? true : undefined), 10_000);
  expect(h.updates).toEqual([variant('r2'), variant('r3')]);
});

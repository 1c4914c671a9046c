// Killing a process in the middle of a save leaves the previous store intact and readable: a
// forked child saves in a loop, the parent SIGKILLs it at random moments, and every time the
// file still parses, keeps the other queries, holds the last acknowledged version (or a later
// one), and the next writer takes over the dead child's lock at once.

import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileSavedQueryStore, SAVED_QUERIES_FILE } from '../../../gateway/saved-queries/file-store.ts';

const CHILD = fileURLToPath(new URL('./fixtures/save-loop.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const keep = (name: string) => ({
  name,
  document: '{ exchanges { id } }',
  description: `保留 ${name}`,
  defaultVariables: {},
  owner: 'ana',
  updatedBy: 'ana',
  createdAt: '2024-05-06T00:00:00.000Z',
  updatedAt: '2024-05-06T00:00:00.000Z',
});

/**
 * Runs the child until it has acknowledged `saves` saves, then kills it: `delayMs` later
 * (wherever it then is: usually writing, sometimes between saves), or, with `hold`, while it
 * holds the lock inside its next save (every time in the middle of a save).
 */
async function killMidSave(dir: string, saves: number, delayMs: number, hold = false): Promise<number> {
  const args = hold ? [dir, String(saves + 1)] : [dir];
  const child = fork(CHILD, args, { cwd: ROOT, execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  let acknowledged = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { saved?: number; holding?: number }) => {
      if (m.holding !== undefined) return resolve();
      acknowledged = m.saved!;
      if (!hold && acknowledged === saves) setTimeout(() => resolve(), delayMs);
    });
    child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  child.kill('SIGKILL');
  await exited;
  return acknowledged;
}

describe('a save killed half-way', () => {
  it('never corrupts or loses the saved queries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dataex-crash-'));
    const seed = new FileSavedQueryStore(dir);
    for (const name of ['keep-1', 'keep-2', 'keep-3']) await seed.put(name, () => keep(name));

    let lastVersion = 0;
    let midSave = 0;
    for (let round = 0; round < 6; round++) {
      // Every other round is killed holding the lock; the others wherever the delay lands.
      const hold = round % 2 === 0;
      const acknowledged = await killMidSave(dir, 1 + (round % 3), [0, 1, 3, 7, 12, 20][round], hold);
      // The child held the store's lock when it died: it was in the middle of a save.
      const locked = existsSync(join(dir, `${SAVED_QUERIES_FILE}.lock`));
      if (hold) expect(locked, `round ${round}: killed inside a save`).toBe(true);
      if (locked) midSave++;
      const data = JSON.parse(readFileSync(join(dir, SAVED_QUERIES_FILE), 'utf8'));
      for (const name of ['keep-1', 'keep-2', 'keep-3']) expect(data.queries[name], `${name} after round ${round}`).toEqual(keep(name));
      const version = data.queries.loop.defaultVariables.version as number;
      // Each round starts again at version 1; what the child acknowledged is on disk.
      expect(version).toBeGreaterThanOrEqual(acknowledged);
      expect(data.queries.loop.description.startsWith(`version ${version} `)).toBe(true);
      lastVersion = version;

      // The next writer is not blocked by the dead child's lock: a lock it could not take over
      // would fail the put after the store's 10 s lock wait (StoreUnavailableError), and one
      // taken over only as stale would need 30 s; half the wait is far from both.
      const started = Date.now();
      const store = new FileSavedQueryStore(dir);
      await store.put(`after-${round}`, () => keep(`after-${round}`));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(existsSync(join(dir, `${SAVED_QUERIES_FILE}.lock`))).toBe(false);
      expect(await store.get('loop')).toBeDefined();
    }
    expect(lastVersion).toBeGreaterThan(0);
    expect(midSave, 'rounds killed in the middle of a save').toBeGreaterThanOrEqual(3);
    const final = await new FileSavedQueryStore(dir).list();
    expect(final.map((q) => q.name)).toEqual(expect.arrayContaining(['keep-1', 'keep-2', 'keep-3', 'loop', 'after-0', 'after-5']));
  }, 60_000);
});

// Supergraph hot reload: replacing the supergraph file under load switches the schema without a
// restart and without a failed request; a broken file is refused and the old schema stays.

import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH } from '../../schema/paths.ts';
import { startTestStack, until, type TestStack } from '../helpers/stack.ts';
import { changedSupergraph, exchangesDescription as exchangesOf } from '../helpers/supergraph.ts';
import { configureLogging } from '../../lib/observability/log.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';

const dir = mkdtempSync(join(tmpdir(), 'dataex-reload-'));
const file = join(dir, 'supergraph.graphql');
let stack: TestStack;

const exchangesDescription = () => exchangesOf(stack);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The gateway's log (info and up), kept here: the watcher says there what it did with a file. */
let logText = '';
const logLines = (pattern: RegExp) => logText.split('\n').filter((l) => pattern.test(l));

beforeAll(async () => {
  configureLogging({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, done) {
        logText += chunk.toString();
        done();
      },
    }),
  });
  writeFileSync(file, readFileSync(DEFAULT_SUPERGRAPH));
  stack = await startTestStack({ DATAEX_SUPERGRAPH: file }, { as: 'admin' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  configureLogging({});
});

it('switches to a replaced supergraph under load with zero failed requests', async () => {
  expect(await exchangesDescription()).toBe('Every exchange dataex federates, with harvest status.');
  let failed = 0;
  let answered = 0;
  let running = true;
  const worker = async (n: number) => {
    for (let i = 0; running; i++) {
      const res = await stack.gql(`{ w${n}x${i}: search(first: 3, text: "数据") { totalCount edges { node { id title exchange { id } } } } exchanges { id status } }`).catch(() => undefined);
      if (res?.status !== 200 || res.errors || res.data.exchanges.length !== EXCHANGES.length) failed++;
      else answered++;
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, n) => worker(n)));

  await until('the load to be running', () => (answered >= 8 ? true : undefined));
  // Atomic replacement (write elsewhere, rename over).
  writeFileSync(`${file}.tmp`, changedSupergraph('v2'));
  renameSync(`${file}.tmp`, file);
  for (let i = 0; i < 50 && !(await exchangesDescription()).includes('v2'); i++) await sleep(100);
  expect(await exchangesDescription()).toBe('Every exchange dataex federates (v2).');

  // In-place overwrite, the way an editor or `cp` does it.
  writeFileSync(file, changedSupergraph('v3'));
  for (let i = 0; i < 50 && !(await exchangesDescription()).includes('v3'); i++) await sleep(100);
  expect(await exchangesDescription()).toBe('Every exchange dataex federates (v3).');

  // A broken file is refused: the running schema stays. Wait for the refusal itself (the
  // watcher's log line), not for a clock.
  const REFUSED = /new supergraph refused, keeping the current one/;
  const refusedBefore = logLines(REFUSED).length;
  writeFileSync(file, 'this is not a supergraph {');
  await until('the broken supergraph to be refused', () => (logLines(REFUSED).length > refusedBefore ? true : undefined), 10_000);
  expect(await exchangesDescription()).toBe('Every exchange dataex federates (v3).');
  // Nothing was loaded in its place.
  expect(logLines(/supergraph reloaded from/)).toHaveLength(2);

  running = false;
  await load;
  expect(answered).toBeGreaterThan(50);
  expect(failed).toBe(0);
}, 60_000);

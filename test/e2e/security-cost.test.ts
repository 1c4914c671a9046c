// Security issue 16, items 2 and 3, on the real stack over HTTP: the cost limit counts variable
// defaults (a `$n: Int = 100` document costs what a literal 100 costs), fragment bombs are
// refused without stalling the gateway, root fields spread through fragments count, and saved
// queries are held to the limits when saved and when run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKey, startTestStack, type TestStack } from '../helpers/stack.ts';
import { REDIS_URL, deletePrefix, skipWithoutRedis, uniquePrefix } from '../helpers/redis.ts';

let stack: TestStack;
let analyst: Record<string, string>;
let admin: Record<string, string>;

/** search → provider → datasets → provider → datasets, every list of size `n` (literal or a variable). */
function threeLists(n: string): string {
  return `search(first: ${n}) { edges { node { provider { datasets(first: ${n}) { edges { node { provider { datasets(first: ${n}) { edges { node { id title } } } } } } } } } } }`;
}
/** Its cost for size n: 1 + 4n + 4n² + 4n³ (id and title under the last list). */
const threeListsCost = (n: number) => 1 + 4 * n + 4 * n * n + 4 * n * n * n;
const tenAliases = (n: string) => Array.from({ length: 10 }, (_, i) => `a${i}: ${threeLists(n)}`).join(' ');
const withDefault = `query Q($n: Int = 100) { ${tenAliases('$n')} }`;
const withLiteral = `query Q { ${tenAliases('100')} }`;

function fragmentBomb(levels: number): string {
  const fragments: string[] = [];
  for (let i = 0; i < levels; i++) {
    fragments.push(i === levels - 1 ? `fragment F${i} on Dataset { id }` : `fragment F${i} on Dataset { id ...F${i + 1} ...F${i + 1} ...F${i + 1} ...F${i + 1} }`);
  }
  return `{ search { edges { node { ...F0 } } } } ${fragments.join(' ')}`;
}

async function post(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await stack.http('/graphql', { method: 'POST', body: JSON.stringify({ query, variables }), headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: JSON.parse(res.text) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

// Both modes: the limits are the gateway's own, but the cache tier must not change them.
for (const mode of ['memory', 'redis'] as const) {
  describe(`cost limits (${mode})`, () => {
    let prefix = '';
    beforeAll(async () => {
      if (mode === 'redis' && (await skipWithoutRedis())) return;
      prefix = uniquePrefix();
      stack = await startTestStack(mode === 'redis' ? { DATAEX_REDIS_URL: REDIS_URL, DATAEX_REDIS_PREFIX: prefix } : {});
      analyst = await apiKey(stack, 'analyst');
      admin = await apiKey(stack, 'admin');
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
      if (prefix && mode === 'redis') await deletePrefix(prefix);
    });

    describe('the cost limit counts variable defaults', () => {
      const figure = 10 * threeListsCost(100);

      it('a $n: Int = 100 document sent anonymously is refused at the figure of a literal 100', async () => {
        const literal = await post(withLiteral);
        expect(literal.status).toBe(400);
        expect(literal.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
        expect(literal.body.errors?.[0].message).toContain(`estimated cost ${figure} exceeds the public limit of 5000`);

        const defaulted = await post(withDefault);
        expect(defaulted.status).toBe(400);
        expect(defaulted.body.data).toBeUndefined();
        expect(defaulted.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
        expect(defaulted.body.errors?.[0].message).toContain(`estimated cost ${figure} exceeds the public limit of 5000`);
      });

      it('the higher budgets of analyst and admin keys refuse it too', async () => {
        for (const [headers, message] of [
          [analyst, `estimated cost ${figure} exceeds the analyst limit of 25000`],
          [admin, `estimated cost ${figure} exceeds the admin limit of 100000`],
        ] as const) {
          const res = await post(withDefault, undefined, headers);
          expect(res.status).toBe(400);
          expect(res.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
          expect(res.body.errors?.[0].message).toContain(message);
        }
      });

      it('a variable the caller gives wins over the default: small sizes run', async () => {
        const res = await post(withDefault, { n: 1 });
        expect(res.status).toBe(200);
        expect(res.body.errors).toBeUndefined();
        expect(Object.keys(res.body.data as object)).toHaveLength(10);
      });
    });

    describe('fragments', () => {
      it('the 12-level fragment bomb is refused, and /healthz answers while it is checked', async () => {
        const [bomb, health] = await Promise.all([post(fragmentBomb(12)), stack.http('/healthz')]);
        expect(health.status).toBe(200);
        expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
        expect(bomb.status).toBe(400);
        expect(bomb.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
        // search (default first: 20) → edges → node, then F0 = (4^12 - 1) / 3 per listing.
        expect(bomb.body.errors?.[0].message).toContain(`estimated cost ${1 + 2 * 20 + 20 * ((4 ** 12 - 1) / 3)} exceeds the public limit of 5000`);
      });

      it('root fields spread through a fragment count against the root-field limit', async () => {
        const eleven = Array.from({ length: 11 }, (_, i) => `e${i}: exchanges { id }`).join(' ');
        const res = await post(`{ ...Q } fragment Q on Query { ${eleven} }`);
        expect(res.status).toBe(400);
        expect(res.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
        expect(res.body.errors?.[0].message).toMatch(/root fields 11 exceeds the limit of 10/);
      });
    });

    describe('saved queries', () => {
      const put = (name: string, body: unknown, headers: Record<string, string>) =>
        stack.http(`/saved-queries/${name}`, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
      const run = (name: string, query = '', headers: Record<string, string> = {}, body?: unknown) =>
        stack.http(`/saved-queries/${name}/run${query}`, {
          method: body === undefined ? 'GET' : 'POST',
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        });

      it('a document too expensive with its default variables is refused on PUT with QUERY_TOO_COMPLEX, and not stored', async () => {
        for (const [name, document, headers] of [
          ['too-big', withDefault, analyst],
          ['too-big-admin', withDefault, admin],
          ['fragment-bomb', fragmentBomb(12), analyst],
        ] as const) {
          const res = await put(name, { document, description: 'hostile' }, headers);
          expect(res.status, res.text.slice(0, 300)).toBe(400);
          const body = JSON.parse(res.text);
          expect(body.errors[0].extensions.code, name).toBe('QUERY_TOO_COMPLEX');
          expect(body.errors[0].message).toMatch(/estimated cost \d+ with its default variables exceeds/);
          expect((await stack.http(`/saved-queries/${name}`)).status).toBe(404);
        }
        // The same document with cheap defaults is saved (a run is checked again as the caller).
        const cheap = await put('cheap-defaults', { document: withDefault.replace('= 100', '= 1') }, analyst);
        expect(cheap.status, cheap.text.slice(0, 300)).toBe(201);
      });

      it("is held to the saver's own budget: over the analyst's, within the admin's", async () => {
        const costly = `query Costly($n: Int = 20) { ${threeLists('$n')} }`;
        expect(threeListsCost(20)).toBe(33_681); // over 25,000 (analyst), within 100,000 (admin)
        const byAnalyst = await put('costly-analyst', { document: costly }, analyst);
        expect(byAnalyst.status, byAnalyst.text.slice(0, 300)).toBe(400);
        expect(JSON.parse(byAnalyst.text).errors[0].message).toContain('33681');
        expect((await put('costly-admin', { document: costly }, admin)).status).toBe(201);
      });

      it('a run is held to the caller’s budget with the defaults and the variables it is given', async () => {
        const mid = `query Mid($n: Int = 15) { ${threeLists('$n')} }`; // 15 → 14,461: over public, within analyst
        expect(threeListsCost(15)).toBe(14_461);
        const saved = await put('mid', { document: mid, description: 'three nested lists' }, analyst);
        expect(saved.status, saved.text.slice(0, 300)).toBe(201);

        // Anonymous, with the document's default: over the public budget.
        const anonymous = await run('mid');
        expect(anonymous.status, anonymous.text.slice(0, 300)).toBe(400);
        expect(JSON.parse(anonymous.text).errors[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });
        expect(JSON.parse(anonymous.text).errors[0].message).toContain('estimated cost 14461 exceeds the public limit of 5000');
        // Anonymous with a small size: runs.
        expect((await run('mid', '?n=2')).status).toBe(200);
        // Analyst with the default: within 25,000.
        const ok = await run('mid', '', analyst);
        expect(ok.status, ok.text.slice(0, 300)).toBe(200);
        // A variable that makes it too expensive, from the query string or the body.
        const big = await run('mid', '?n=100', analyst);
        expect(big.status).toBe(400);
        expect(JSON.parse(big.text).errors[0].message).toContain(`estimated cost ${threeListsCost(100)} exceeds the analyst limit of 25000`);
        const bigBody = await run('mid', '', admin, { variables: { n: 100 } });
        expect(bigBody.status).toBe(400);
        expect(JSON.parse(bigBody.text).errors[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });

        // Saved default variables count on the run like the document's.
        const savedDefault = await put('mid-saved-default', { document: `query MidSaved($n: Int) { ${threeLists('$n')} }`, defaultVariables: { n: 15 } }, analyst);
        expect(savedDefault.status, savedDefault.text.slice(0, 300)).toBe(201);
        const refused = await run('mid-saved-default');
        expect(refused.status).toBe(400);
        expect(JSON.parse(refused.text).errors[0].message).toContain('estimated cost 14461 exceeds the public limit of 5000');
      });
    });
  });
}

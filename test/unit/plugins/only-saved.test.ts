// Allow-list mode (gateway/plugins/only-saved.ts): with onlySaved on, only saved-query runs
// (context.savedQuery) and admins get through; every other operation, an APQ hash included, is
// FORBIDDEN with HTTP 403 before anything runs. With it off, nothing is refused.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ONLY_SAVED_MESSAGE, onlySavedPlugin } from '../../../gateway/plugins/only-saved.ts';
import { ANONYMOUS } from '../../../lib/principal.ts';
import { codesOf, contextOf, principalOf, run, serverWith } from './helpers.ts';

let calls = 0;
const server = (onlySaved: boolean) =>
  serverWith({
    typeDefs: 'type Query { hello: String } type Mutation { poke: Int }',
    resolvers: {
      Query: {
        hello: () => {
          calls++;
          return 'world';
        },
      },
      Mutation: { poke: () => ++calls },
    },
    plugins: [onlySavedPlugin({ onlySaved })],
  });

describe('onlySavedPlugin', () => {
  it('refuses ad-hoc operations of public callers and analysts: FORBIDDEN, HTTP 403, nothing run', async () => {
    const s = await server(true);
    for (const principal of [ANONYMOUS, principalOf('analyst')]) {
      for (const query of ['{ hello }', 'mutation { poke }']) {
        const before = calls;
        const { status, result } = await run(s, { query }, contextOf(principal));
        expect(status).toBe(403);
        expect(codesOf(result)).toEqual(['FORBIDDEN']);
        expect(result.errors?.[0].message).toBe(ONLY_SAVED_MESSAGE);
        expect(result.data).toBeUndefined();
        expect(calls).toBe(before);
      }
    }
  });

  it('runs saved queries for anyone, and anything for admins', async () => {
    const s = await server(true);
    const saved = await run(s, { query: '{ hello }' }, contextOf(ANONYMOUS, { savedQuery: 'latest-datasets' }));
    expect(saved.result).toEqual({ data: { hello: 'world' } });
    const admin = await run(s, { query: '{ hello }' }, contextOf(principalOf('admin')));
    expect(admin.result).toEqual({ data: { hello: 'world' } });
  });

  it('treats a persisted-query hash as ad hoc', async () => {
    const s = await server(true);
    const query = '{ hello }';
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    // An admin registers the hash; a public caller sending only the hash is still refused.
    expect((await run(s, { query, extensions: { persistedQuery } }, contextOf(principalOf('admin')))).result.errors).toBeUndefined();
    const { status, result } = await run(s, { extensions: { persistedQuery } }, contextOf(ANONYMOUS));
    expect(status).toBe(403);
    expect(codesOf(result)).toEqual(['FORBIDDEN']);
  });

  it('refuses nothing when off', async () => {
    const s = await server(false);
    for (const query of ['{ hello }', 'mutation { poke }']) {
      const { result } = await run(s, { query }, contextOf(ANONYMOUS));
      expect(result.errors).toBeUndefined();
      expect(result.data).toBeDefined();
    }
  });
});

// Entity fetches with each distinct representation sent once (gateway/entity-dedup.ts).

import { describe, expect, it } from 'vitest';
import { copyJson, fetchDistinctEntities } from '../../../gateway/entity-dedup.ts';

const QUERY = 'query E($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id name } } }';
const user = (id: string) => ({ __typename: 'User', id });

function options(representations: unknown[], query = QUERY) {
  return { kind: 'incoming operation', request: { query, variables: { representations } }, context: {} } as never;
}

describe('copyJson', () => {
  it('copies objects and arrays deeply, and keeps an own "__proto__" a property', () => {
    const value = JSON.parse('{"a":[{"b":1},null,"x"],"__proto__":{"polluted":true},"c":{"d":false}}');
    const copy = copyJson(value) as Record<string, any>;
    expect(copy).toEqual(value);
    expect(copy.a).not.toBe(value.a);
    expect(copy.a[0]).not.toBe(value.a[0]);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('fetchDistinctEntities', () => {
  it('sends each distinct representation once and answers one entity, an object of its own, per position', async () => {
    const sent: unknown[][] = [];
    const response = await fetchDistinctEntities(options([user('1'), user('2'), user('1'), user('1')]), async (o: any) => {
      sent.push(o.request.variables.representations);
      return { data: { _entities: o.request.variables.representations.map((r: { id: string }) => ({ id: r.id, name: `n${r.id}`, tags: [r.id] })) } };
    });
    expect(sent).toEqual([[user('1'), user('2')]]);
    const entities = (response.data as { _entities: Array<{ id: string; tags: string[] }> })._entities;
    expect(entities.map((e) => e.id)).toEqual(['1', '2', '1', '1']);
    expect(new Set(entities).size).toBe(4);
    expect(entities[0].tags).not.toBe(entities[2].tags);
  });

  it('merges representations only when their JSON is the same', async () => {
    const reps = [
      { __typename: 'U', id: 'a', k: 'b' },
      { __typename: 'U', id: 'a,k:1:b' },
      { __typename: 'U', id: 1 },
      { __typename: 'U', id: '1' },
      { __typename: 'U', id: { nested: ['x'] } },
      { __typename: 'U', id: { nested: ['x'] } },
      { __typename: 'U', id: 'a', k: 'b' },
      { __typename: 'U', id: null },
      { __typename: 'U', id: 'null' },
    ];
    const sent: unknown[][] = [];
    await fetchDistinctEntities(options(reps), async (o: any) => {
      sent.push(o.request.variables.representations);
      return { data: { _entities: o.request.variables.representations.map(() => ({})) } };
    });
    expect(sent[0]).toEqual([reps[0], reps[1], reps[2], reps[3], reps[4], reps[7], reps[8]]);
  });

  it('repeats an error about a distinct representation at every position it stands for, in position order', async () => {
    const response = await fetchDistinctEntities(options([user('1'), user('2'), user('1'), user('2')]), async () => ({
      data: { _entities: [null, { id: '2', name: null }] },
      errors: [
        { message: 'no name', path: ['_entities', 1, 'name'] },
        { message: 'no user', path: ['_entities', 0] },
      ],
    }));
    expect(response.errors?.map((e) => [e.message, e.path])).toEqual([
      ['no user', ['_entities', 0]],
      ['no name', ['_entities', 1, 'name']],
      ['no user', ['_entities', 2]],
      ['no name', ['_entities', 3, 'name']],
    ]);
    expect((response.data as { _entities: unknown[] })._entities).toEqual([null, { id: '2', name: null }, null, { id: '2', name: null }]);
  });

  it('passes on as they are: fetches without repeats, mutations, and answers of the wrong length', async () => {
    const direct = options([user('1'), user('2')]);
    let seen: unknown;
    await fetchDistinctEntities(direct, async (o) => {
      seen = o;
      return { data: { _entities: [] } };
    });
    expect(seen).toBe(direct);
    const mutation = options([user('1'), user('1')], QUERY.replace(/^query/, 'mutation'));
    await fetchDistinctEntities(mutation, async (o) => {
      seen = o;
      return {};
    });
    expect(seen).toBe(mutation);
    const wrong = await fetchDistinctEntities(options([user('1'), user('1'), user('2')]), async () => ({ data: { _entities: [{ id: '1' }] } }));
    expect(wrong.data).toEqual({ _entities: [{ id: '1' }] });
  });
});

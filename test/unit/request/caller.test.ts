// gateway/request/caller.ts: who is asking. No key is anonymous at once (no promise); a
// malformed, unknown or revoked key is refused 401, never made anonymous; roles are enforced.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createCallers } from '../../../gateway/request/caller.ts';
import type { KeyStore } from '../../../gateway/auth/keys.ts';
import { ANONYMOUS, DEFAULT_CLEARANCE, type Principal } from '../../../lib/principal.ts';

const ana: Principal = { id: 'ana', role: 'analyst', ...DEFAULT_CLEARANCE.analyst };
const looked: string[] = [];
const findByKey = async (key: string) => {
  looked.push(key);
  return key === 'good' ? { principal: ana } : undefined;
};
const store = { findByKey } as unknown as KeyStore;
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const callers = createCallers(store);

describe('callers', () => {
  it('knows an anonymous caller without a promise, and finds a key sent either way', async () => {
    expect(callers.callerOf(req({}))).toBe(ANONYMOUS);
    expect(await callers.callerOf(req({ 'x-api-key': 'good' }))).toBe(ana);
    expect(await callers.principalOf(req({ authorization: 'Bearer good' }))).toBe(ana);
  });

  it('refuses an unknown key and a malformed Authorization 401 with a Bearer challenge, without making them anonymous', async () => {
    await expect(callers.principalOf(req({ 'x-api-key': 'bad' }))).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED', headers: { 'www-authenticate': 'Bearer' } });
    looked.length = 0;
    await expect(callers.principalOf(req({ authorization: 'Basic Zm9vOmJhcg==' }))).rejects.toMatchObject({ status: 401, message: expect.stringContaining('Basic') });
    expect(looked).toEqual([]); // a malformed header is not looked up
    // An Authorization header is credentials even when empty-looking ones are not.
    await expect(callers.callerOf(req({ authorization: 'Bearer' }))).rejects.toMatchObject({ status: 401 });
  });

  it('without a key store every key is unknown', async () => {
    await expect(createCallers(undefined).principalOf(req({ 'x-api-key': 'good' }))).rejects.toMatchObject({ status: 401 });
  });

  it('authorizes by role: 401 without a key, 403 with another role', async () => {
    expect(await callers.authorize(req({ 'x-api-key': 'good' }), ['analyst', 'admin'])).toBe(ana);
    await expect(callers.authorize(req({}), ['admin'])).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    await expect(callers.authorize(req({ 'x-api-key': 'good' }), ['admin'])).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN', message: expect.stringContaining('yours has analyst') });
  });
});

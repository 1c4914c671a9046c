// Step 1 of every request that runs an operation: who is asking. No credentials is the
// anonymous caller; an API key (`X-Api-Key`, or `Authorization: Bearer <key>`) is looked up in
// the key store; a malformed, unknown or revoked key is refused 401, never made anonymous.

import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../lib/http.ts';
import { Header } from '../../lib/headers.ts';
import { ErrorCode } from '../../lib/error-codes.ts';
import { ANONYMOUS, type Principal, type Role } from '../../lib/principal.ts';
import { credentialsOf, type KeyStore } from '../auth/keys.ts';

/** Who an audit line names when the key sent is unknown or revoked. */
export const UNKNOWN_CALLER: Principal = Object.freeze({ ...ANONYMOUS, id: 'unknown' }) as Principal;

export interface Callers {
  /** The caller of a request; rejects with HttpError 401 for a malformed, unknown or revoked key. */
  principalOf(req: IncomingMessage): Promise<Principal>;
  /** The same, without a promise when the request carries no key (public traffic's hot path). */
  callerOf(req: IncomingMessage): Principal | Promise<Principal>;
  /** The caller, if their role is one of `roles`; HttpError 401 (no key) or 403 (another role) otherwise. */
  authorize(req: IncomingMessage, roles: readonly Role[]): Promise<Principal>;
}

/** Callers found in `keyStore`; without a store every caller is anonymous and every key unknown. */
export function createCallers(keyStore: KeyStore | undefined): Callers {
  const challenge = { [Header.WWW_AUTHENTICATE]: 'Bearer' };
  const principalOf = async (req: IncomingMessage): Promise<Principal> => {
    const credentials = credentialsOf(req.headers);
    if (credentials === undefined) return ANONYMOUS;
    if ('malformed' in credentials) throw new HttpError(401, ErrorCode.UNAUTHENTICATED, credentials.malformed, challenge);
    const record = await keyStore?.findByKey(credentials.key);
    if (!record) throw new HttpError(401, ErrorCode.UNAUTHENTICATED, 'unknown or revoked API key', challenge);
    return record.principal;
  };
  return {
    principalOf,
    callerOf: (req) => (req.headers.authorization === undefined && req.headers[Header.API_KEY] === undefined ? ANONYMOUS : principalOf(req)),
    async authorize(req, roles) {
      const principal = await principalOf(req);
      if (roles.includes(principal.role)) return principal;
      const anonymous = principal === ANONYMOUS;
      throw new HttpError(
        anonymous ? 401 : 403,
        anonymous ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN,
        `this needs an API key with the ${roles.join(' or ')} role${anonymous ? '' : `; yours has ${principal.role}`}`,
      );
    },
  };
}

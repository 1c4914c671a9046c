// Who may do what with saved queries. Reading and running are open to every caller (running
// applies the caller's own permissions and masking: the operation runs as them). Creating a
// query needs the analyst or admin role; replacing or deleting one needs its owner (the
// principal that created it) or an admin. The routes only talk to this interface, so a richer
// access-control policy (per-query grants) replaces `ownerBasedAccess` without touching them.

import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../lib/http.ts';
import type { Principal, Role } from '../../lib/principal.ts';
import type { GatewayServices } from '../routes.ts';
import type { SavedQuery } from './model.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export interface SavedQueryAccess {
  /** The caller of a read (list, show, run); throws HttpError 401 for a bad key. */
  reader(req: IncomingMessage): Promise<Principal>;
  /** The caller, if they may create (existing undefined) or replace `existing`; throws HttpError 401/403. */
  writer(req: IncomingMessage, name: string, existing: SavedQuery | undefined): Promise<Principal>;
  /** The caller, if they may delete `existing`; throws HttpError 401/403. */
  deleter(req: IncomingMessage, existing: SavedQuery | undefined): Promise<Principal>;
}

export const WRITER_ROLES: readonly Role[] = ['analyst', 'admin'];

/** Refuses a change to someone else's query unless the caller is an admin. */
function mustOwn(principal: Principal, existing: SavedQuery | undefined, verb: string): Principal {
  if (!existing || existing.readOnly || principal.role === 'admin' || existing.owner === principal.id) return principal;
  throw new HttpError(403, ErrorCode.FORBIDDEN, `saved query "${existing.name}" belongs to ${existing.owner}: only its owner or an admin may ${verb} it (save a copy under another name)`);
}

export function ownerBasedAccess(services: GatewayServices): SavedQueryAccess {
  return {
    reader: (req) => services.principalOf(req),
    writer: async (req, _name, existing) => mustOwn(await services.authorize(req, WRITER_ROLES), existing, 'replace'),
    deleter: async (req, existing) => mustOwn(await services.authorize(req, WRITER_ROLES), existing, 'delete'),
  };
}

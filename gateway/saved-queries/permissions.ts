// Who may do what with saved queries. Reading and running are open to every caller (running
// applies the caller's own permissions and masking: the operation runs as them). Saving and
// deleting need the analyst or admin role. The routes only talk to this interface, so a richer
// access-control policy (owners, per-query grants) replaces `roleBasedAccess` without touching
// them.

import type { IncomingMessage } from 'node:http';
import type { Principal, Role } from '../../subgraphs/common/principal.ts';
import type { GatewayServices } from '../routes.ts';
import type { SavedQuery } from './model.ts';

export interface SavedQueryAccess {
  /** The caller of a read (list, show, run); throws HttpError 401 for a bad key. */
  reader(req: IncomingMessage): Promise<Principal>;
  /** The caller, if they may create (existing undefined) or replace `existing`; throws HttpError 401/403. */
  writer(req: IncomingMessage, name: string, existing: SavedQuery | undefined): Promise<Principal>;
  /** The caller, if they may delete `existing`; throws HttpError 401/403. */
  deleter(req: IncomingMessage, existing: SavedQuery | undefined): Promise<Principal>;
}

export const WRITER_ROLES: readonly Role[] = ['analyst', 'admin'];

export function roleBasedAccess(services: GatewayServices): SavedQueryAccess {
  return {
    reader: (req) => services.principalOf(req),
    writer: (req) => services.authorize(req, WRITER_ROLES),
    deleter: (req) => services.authorize(req, WRITER_ROLES),
  };
}

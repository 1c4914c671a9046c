// Who is asking. The gateway decides (API keys arrive with the access-control work); the
// subgraphs that own data enforce what the principal may see.

import type { DataLevel } from './model.ts';

export type Role = 'public' | 'analyst' | 'admin';

export interface Clearance {
  /** Highest data level visible. */
  maxLevel: DataLevel;
  /** Highest grade of GENERAL data visible; null = every grade. */
  maxGrade: number | null;
}

export interface Principal {
  id: string;
  role: Role;
  clearance: Clearance;
  /** Cleared for personal information: sample rows unmasked. */
  personalInfo: boolean;
}

/**
 * What each role sees unless its key says otherwise: the public sees general data up to grade 2
 * (no or little harm if leaked, GB/T 43697-2024); analysts all general and important data;
 * admins everything, personal information unmasked.
 */
export const DEFAULT_CLEARANCE: Record<Role, { clearance: Clearance; personalInfo: boolean }> = {
  public: { clearance: { maxLevel: 'GENERAL', maxGrade: 2 }, personalInfo: false },
  analyst: { clearance: { maxLevel: 'IMPORTANT', maxGrade: null }, personalInfo: false },
  admin: { clearance: { maxLevel: 'CORE', maxGrade: null }, personalInfo: true },
};

/** The caller without credentials: the public role with its default clearance. */
export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  role: 'public',
  ...DEFAULT_CLEARANCE.public,
}) as Principal;

/** At least this role (public < analyst < admin). */
export function hasRole(principal: Principal, least: Role): boolean {
  const rank: Record<Role, number> = { public: 0, analyst: 1, admin: 2 };
  return rank[principal.role] >= rank[least];
}

// Who is asking: the principal, its role and clearance, and the data levels clearance is made
// of. The gateway decides who the caller is; the subgraphs that own data enforce what it may
// see; lib/principal-token.ts carries it between them. A leaf: it imports nothing.

/** Data classification levels (GB/T 43697-2024), lowest first. */
export type DataLevel = 'GENERAL' | 'IMPORTANT' | 'CORE';
export const DATA_LEVELS: readonly DataLevel[] = ['GENERAL', 'IMPORTANT', 'CORE'];

/** Roles, least first: the one list (keys, configuration, signed principals and the CLI use it). */
export const ROLES = ['public', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

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
  return ROLES.indexOf(principal.role) >= ROLES.indexOf(least);
}

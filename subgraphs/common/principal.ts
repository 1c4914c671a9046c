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

/** The caller without credentials. Sees every listing, never unmasked personal information. */
export const ANONYMOUS: Principal = {
  id: 'anonymous',
  role: 'public',
  clearance: { maxLevel: 'CORE', maxGrade: null },
  personalInfo: false,
};

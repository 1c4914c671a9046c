// Enterprise registry wire → Registration. Pure: text in, model out.

import { z } from 'zod';
import { UpstreamError } from '../common/errors.ts';
import type { Registration } from '../common/model.ts';
import { blankToNull, clip, describeZodError, isoDateOnly, parseCapital, parseJson } from '../common/normalize.ts';
import { ErrorCode } from '../../lib/error-codes.ts';

export const UPSTREAM = 'registry';

const envelopeSchema = z.object({ code: z.number().int(), message: z.string().nullish(), data: z.unknown().optional() });

const enterpriseSchema = z.object({
  uscc: z.string().trim().min(1),
  name: z.string().trim().min(1),
  legalPerson: z.string().nullish(),
  regCapital: z.string().nullish(),
  establishDate: z.string().nullish(),
  regStatus: z.string().trim().min(1),
  address: z.string().nullish(),
  scope: z.string().nullish(),
});

export interface RegistryLookupResult {
  registrations: Registration[];
  /** Entries that failed validation, with the reason (they read as "unknown" to callers). */
  skipped: Array<{ creditCode: string | null; reason: string }>;
}

/** GB/T 2260 region code: USCC positions 3–8, when they are six digits. */
export function regionCodeOf(uscc: string): string | null {
  const region = uscc.slice(2, 8);
  return /^\d{6}$/.test(region) ? region : null;
}

/**
 * Registered capital in fen. Only CNY converts: "50万美元" gives null rather than a figure in
 * the wrong currency (the model has no currency for it).
 */
export function capitalFen(regCapital: string | null | undefined): number | null {
  if (!regCapital) return null;
  const c = parseCapital(regCapital);
  return c && c.currency === 'CNY' ? c.amountMinor : null;
}

/** A lookup reply (GET /api/v1/enterprises) → registrations + skipped entries. */
export function mapLookupResponse(text: string): RegistryLookupResult {
  const what = 'registry lookup';
  const env = envelopeSchema.safeParse(parseJson(text, UPSTREAM, what));
  if (!env.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, UPSTREAM, `${what}: unexpected envelope (${describeZodError(env.error)})`);
  if (env.data.code !== 0) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, UPSTREAM, `${what}: upstream error code ${env.data.code} (${clip(env.data.message ?? '')})`);
  const list = z.array(z.unknown()).safeParse(env.data.data);
  if (!list.success) throw new UpstreamError(ErrorCode.UPSTREAM_ERROR, UPSTREAM, `${what}: data is not a list`);

  const registrations: Registration[] = [];
  const skipped: RegistryLookupResult['skipped'] = [];
  for (const raw of list.data) {
    const parsed = enterpriseSchema.safeParse(raw);
    if (!parsed.success) {
      const code = (raw as { uscc?: unknown } | null)?.uscc;
      skipped.push({ creditCode: typeof code === 'string' ? code : null, reason: describeZodError(parsed.error) });
      continue;
    }
    registrations.push(mapEnterprise(parsed.data));
  }
  return { registrations, skipped };
}

export function mapEnterprise(e: z.infer<typeof enterpriseSchema>): Registration {
  const creditCode = e.uscc.trim().toUpperCase();
  return {
    creditCode,
    name: e.name.trim(),
    legalRepresentative: blankToNull(e.legalPerson),
    registeredCapitalFen: capitalFen(e.regCapital),
    establishedOn: e.establishDate ? isoDateOnly(e.establishDate) : null,
    status: e.regStatus.trim(),
    address: blankToNull(e.address),
    businessScope: blankToNull(e.scope),
    regionCode: regionCodeOf(creditCode),
  };
}

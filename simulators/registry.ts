// The enterprise registry: batched look-up of registrations by USCC behind an API key, at most
// 100 codes per request; unknown codes are simply absent.

import type { Upstream } from './control.ts';
import { jsonReply, type Reply, type SimRequest } from './http.ts';
import { SIM_CREDENTIALS, type RegistryEnterprise, type RegistryEnvelope } from './wire.ts';
import type { World, WorldRegistration } from './world.ts';

export const REGISTRY_MAX_CODES = 100;

export interface RegistryOptions {
  apiKey?: string;
}

export function toRegistryEnterprise(entry: WorldRegistration): RegistryEnterprise {
  return {
    uscc: entry.creditCode,
    name: entry.name,
    legalPerson: entry.legalPerson,
    regCapital: entry.regCapital,
    establishDate: entry.establishDate,
    regStatus: entry.regStatus,
    address: entry.address,
    scope: entry.scope,
  };
}

function envelope(status: number, code: number, message: string, data: RegistryEnterprise[] | null): Reply {
  return jsonReply({ code, message, data } satisfies RegistryEnvelope, status);
}

export function registryUpstream(world: World, options: RegistryOptions = {}): Upstream {
  const apiKey = options.apiKey ?? SIM_CREDENTIALS.registry.apiKey;

  function lookup(req: SimRequest): Reply {
    if (req.headers['x-api-key'] !== apiKey) return envelope(401, 401, 'invalid api key', null);
    const codes = req.query
      .getAll('codes')
      .flatMap((v) => v.split(','))
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean);
    if (codes.length === 0) return envelope(400, 400, 'codes is required', null);
    if (codes.length > REGISTRY_MAX_CODES) return envelope(400, 400, `at most ${REGISTRY_MAX_CODES} codes per request, got ${codes.length}`, null);
    const found = [...new Set(codes)].flatMap((code) => {
      const entry = world.registry.get(code);
      return entry ? [toRegistryEnterprise(entry)] : [];
    });
    return envelope(200, 0, 'ok', found);
  }

  return {
    name: 'registry',
    routes: [{ method: 'GET', pattern: '/api/v1/enterprises', handler: lookup }],
    errorReply: () => envelope(500, 500, 'internal server error', null),
    notFoundReply: () => envelope(404, 404, 'not found', null),
  };
}

// Test helpers for the simulator suites: plain HTTP calls and the upstreams' request signing,
// re-implemented here from wire.ts (not imported from the simulators) so the tests check the
// documented algorithms rather than the simulator's own code.

import { createHash, createHmac } from 'node:crypto';
import { isInteger, parse as parseLossless } from 'lossless-json';
import { request } from 'undici';
import { SIM_CREDENTIALS } from '../../../simulators/wire.ts';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** JSON.parse of the body (throws when it is not JSON). */
  json(): any;
}

export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string>; form?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  } else if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await request(base + path, { method, headers, body, signal: options.signal });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** X-App-Key / X-Timestamp / X-Sign headers for a Beijing detail call (wire.ts). */
export function beijingHeaders(path: string, timestamp = Date.now(), secret: string = SIM_CREDENTIALS.beijing.appSecret): Record<string, string> {
  const { appKey } = SIM_CREDENTIALS.beijing;
  const ts = String(timestamp);
  const sign = createHmac('sha256', secret).update(`${appKey}\n${ts}\nGET\n${path}`).digest('hex');
  return { 'x-app-key': appKey, 'x-timestamp': ts, 'x-sign': sign };
}

export async function shanghaiToken(base: string): Promise<string> {
  const { clientId, clientSecret } = SIM_CREDENTIALS.shanghai;
  const res = await call(base, 'POST', '/oauth/token', { json: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return res.json().access_token;
}

/** The Guiyang gateway form for a detail call, signed per wire.ts (MD5, uppercase hex). */
export function guiyangForm(serviceId: number | string, overrides: Record<string, string> = {}, secret: string = SIM_CREDENTIALS.guiyang.appSecret): Record<string, string> {
  const params: Record<string, string> = {
    app_id: SIM_CREDENTIALS.guiyang.appId,
    interface_id: 'dataShop.detail',
    timestamp: '2024-05-06 12:00:00',
    biz_content: JSON.stringify({ serviceId }),
    ...overrides,
  };
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return {
    ...params,
    sign: createHash('md5')
      .update(secret + canonical + secret)
      .digest('hex')
      .toUpperCase(),
  };
}

export async function setFaults(base: string, faults: { mode: string; rate?: number; latencyMs?: number }): Promise<void> {
  const res = await call(base, 'POST', '/__sim/faults', { json: faults });
  if (res.status !== 200) throw new Error(`setting faults failed: ${res.status} ${res.text}`);
}

export async function reset(base: string): Promise<void> {
  await call(base, 'POST', '/__sim/reset');
}

export async function stats(base: string): Promise<{ total: number; routes: Record<string, number> }> {
  return (await call(base, 'GET', '/__sim/stats')).json();
}

/** JSON.parse that keeps integers beyond 2^53 exact, as bigint (what an adapter must do for Shanghai). */
export function parseExact(text: string): any {
  return parseLossless(text, undefined, (n: string) => (isInteger(n) && !Number.isSafeInteger(Number(n)) ? BigInt(n) : Number(n)));
}

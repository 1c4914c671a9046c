// Webhooks of schedules: after each scheduled run, a JSON summary POSTed to the schedule's URL,
// signed, retried with backoff, every attempt recorded in the run.
//
// Signature (Stripe's scheme): `X-Dataex-Signature: t=<unix seconds>,v1=<hex>`, where hex is
// HMAC-SHA256 with the schedule's secret over `<t>.<raw body>`. A receiver recomputes it, compares
// in constant time, and refuses old timestamps (replays); verifySignature below does exactly that.
//
// Where a webhook may point is an allow-list (DATAEX_WEBHOOK_ALLOW: origins or URL prefixes),
// checked when the schedule is saved and again before every delivery, so a saved query cannot
// make the gateway call arbitrary internal addresses. Redirects are not followed.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { request } from 'undici';
import type { DeliveryAttempt, WebhookDelivery } from '../runs/model.ts';

export const SIGNATURE_HEADER = 'x-dataex-signature';
export const EVENT_HEADER = 'x-dataex-event';
export const DELIVERY_HEADER = 'x-dataex-delivery';

export class WebhookUrlError extends Error {}

/** The URL, if the allow-list lets it through; WebhookUrlError saying why not otherwise. */
export function checkWebhookUrl(raw: string, allow: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError(`webhook URL ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookUrlError(`webhook URL must be http or https (got ${url.protocol})`);
  if (allow.length === 0) throw new WebhookUrlError('webhooks are off on this gateway: DATAEX_WEBHOOK_ALLOW names no allowed destination');
  const allowed = allow.some((entry) => {
    const a = new URL(entry);
    if (a.origin !== url.origin) return false;
    const prefix = a.pathname === '/' ? '/' : a.pathname.endsWith('/') ? a.pathname : `${a.pathname}/`;
    return prefix === '/' || url.pathname === a.pathname || url.pathname.startsWith(prefix);
  });
  if (!allowed) throw new WebhookUrlError(`webhook URL ${url.origin}${url.pathname} is not in DATAEX_WEBHOOK_ALLOW`);
  return url;
}

export function signature(secret: string, timestampS: number, body: string): string {
  return `t=${timestampS},v1=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

/** A receiver's check: the header matches the body and secret, and is at most `toleranceS` old. */
export function verifySignature(secret: string, header: string | undefined, body: string, nowS: number, toleranceS = 300): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowS - t) > toleranceS || typeof parts.v1 !== 'string') return false;
  const expected = Buffer.from(signature(secret, t, body).split('v1=')[1], 'hex');
  const sent = Buffer.from(parts.v1, 'hex');
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

export interface DeliveryOptions {
  allow: readonly string[];
  /** Attempts in all (first included). */
  attempts: number;
  /** Wait before the second attempt; doubled for each later one. */
  backoffMs: number;
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_DELIVERY: Omit<DeliveryOptions, 'allow' | 'now' | 'sleep'> = { attempts: 4, backoffMs: 2_000, timeoutMs: 10_000 };

/** Whether another attempt may succeed: no answer, a timeout, throttling or a server error. */
const retryable = (status: number | null) => status === null || status === 408 || status === 429 || status >= 500;

/** POSTs `payload`, retrying as above; never throws: the outcome is in the result. */
export async function deliver(target: { url: string; secret: string }, event: string, deliveryId: string, payload: unknown, options: DeliveryOptions): Promise<WebhookDelivery> {
  const body = JSON.stringify(payload);
  const attempts: DeliveryAttempt[] = [];
  for (let i = 0; i < options.attempts; i++) {
    if (i > 0) await options.sleep(options.backoffMs * 2 ** (i - 1));
    const started = performance.now();
    const at = new Date(options.now()).toISOString();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const url = checkWebhookUrl(target.url, options.allow);
      const res = await request(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'dataex-webhooks',
          [EVENT_HEADER]: event,
          [DELIVERY_HEADER]: deliveryId,
          [SIGNATURE_HEADER]: signature(target.secret, Math.floor(options.now() / 1000), body),
        },
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      status = res.statusCode;
      await res.body.dump();
      if (status >= 300) error = `the receiver answered HTTP ${status}`;
    } catch (e) {
      error = e instanceof WebhookUrlError ? e.message : `no answer: ${(e as Error).message}`;
      if (e instanceof WebhookUrlError) {
        attempts.push({ at, status, error, durationMs: Math.round(performance.now() - started) });
        break;
      }
    }
    attempts.push({ at, status, error, durationMs: Math.round(performance.now() - started) });
    if (error === null) return { url: target.url, delivered: true, attempts };
    if (!retryable(status)) break;
  }
  return { url: target.url, delivered: false, attempts };
}

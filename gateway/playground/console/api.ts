// The console's calls to its own gateway (same origin only; the CSP allows nothing else):
// /console/config.json, /graphql and the saved-queries API.

import type { SchemaHints, VariableDefinition } from './variables.ts';

export interface ConsoleConfig extends SchemaHints {
  graphqlPath: string;
  savedQueriesPath: string;
  introspection: boolean;
  /** The exchanges the served API has, from the gateway (empty when it could not ask). */
  exchanges: Array<{ id: string; name: string }>;
  examples: { datasetId?: string; providerCode?: string };
}

export interface SavedQuery {
  name: string;
  description: string | null;
  document: string;
  defaultVariables: Record<string, unknown> | null;
  owner: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  readOnly: boolean;
  variables: VariableDefinition[];
  /** False when the document no longer validates against the served schema. */
  valid: boolean;
  validationErrors: string[];
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/console/config.json', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`/console/config.json answered ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}

/**
 * The served schema as an introspection result, from the console's own endpoint (present only
 * when introspection is allowed); null when there is none.
 */
export async function loadSchema(): Promise<unknown | null> {
  try {
    const res = await fetch('/console/schema.json', { headers: { accept: 'application/json' } });
    if (!res.ok) return null;
    const body = (await res.json()) as { data?: unknown };
    return body.data ?? null;
  } catch {
    return null;
  }
}

/** Strips // and /* comments and trailing commas (outside strings) so JSON.parse can read JSONC. */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  const cleaned = out.replace(/,(\s*[}\]])/g, '$1').trim();
  return cleaned === '' ? undefined : JSON.parse(cleaned);
}

/** The API key in a headers-editor text (`Authorization: Bearer …` or `x-api-key`), if any. */
export function keyFromHeadersText(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let headers: unknown;
  try {
    headers = parseJsonc(text);
  } catch {
    return undefined;
  }
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value !== 'string') continue;
    if (name.toLowerCase() === 'authorization') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
      if (m) return m[1];
    }
    if (name.toLowerCase() === 'x-api-key' && value.trim()) return value.trim();
  }
  return undefined;
}

export function authHeaders(key: string | undefined): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return { errors: [{ message: `${res.status} ${res.statusText}: ${text.slice(0, 300)}` }] };
  }
}

export function errorMessages(body: unknown, status: number): string[] {
  const errors = (body as { errors?: Array<{ message?: string }> } | undefined)?.errors;
  if (Array.isArray(errors) && errors.length) return errors.map((e) => e.message ?? JSON.stringify(e));
  const message = (body as { message?: string; error?: string } | undefined)?.message ?? (body as { error?: string } | undefined)?.error;
  return [message ? String(message) : `the server answered ${status}`];
}

function normalise(raw: Record<string, unknown>): SavedQuery {
  return {
    name: String(raw.name),
    description: (raw.description as string | null | undefined) ?? null,
    document: String(raw.document ?? raw.query ?? ''),
    defaultVariables: (raw.defaultVariables as Record<string, unknown> | null | undefined) ?? null,
    owner: (raw.owner as string | null | undefined) ?? null,
    createdAt: (raw.createdAt as string | null | undefined) ?? null,
    updatedAt: (raw.updatedAt as string | null | undefined) ?? null,
    readOnly: Boolean(raw.readOnly),
    variables: Array.isArray(raw.variables) ? (raw.variables as VariableDefinition[]) : [],
    valid: raw.valid !== false,
    validationErrors: Array.isArray(raw.validationErrors) ? raw.validationErrors.map((e) => String((e as { message?: unknown }).message ?? e)) : [],
  };
}

/** GET /saved-queries: `{ savedQueries: [...] }` (a bare list or `queries`/`items` are read too). */
export async function listSavedQueries(base: string, key?: string): Promise<SavedQuery[]> {
  const res = await fetch(base, { headers: { accept: 'application/json', ...authHeaders(key) } });
  const body = await readJson(res);
  if (!res.ok) throw new Error(errorMessages(body, res.status).join('; '));
  const list = Array.isArray(body) ? body : ((body as Record<string, unknown>).savedQueries ?? (body as Record<string, unknown>).queries ?? (body as Record<string, unknown>).items);
  if (!Array.isArray(list)) throw new Error('unexpected answer from the saved-queries API');
  return (list as Array<Record<string, unknown>>).map(normalise).sort((a, b) => a.name.localeCompare(b.name));
}

export async function saveQuery(
  base: string,
  name: string,
  body: { document: string; description?: string; defaultVariables?: Record<string, unknown> },
  key?: string,
): Promise<{ ok: boolean; status: number; errors: string[]; created: boolean }> {
  const res = await fetch(`${base}/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders(key) },
    body: JSON.stringify(body),
  });
  const answer = await readJson(res);
  return { ok: res.ok, status: res.status, errors: res.ok ? [] : errorMessages(answer, res.status), created: res.status === 201 };
}

export async function deleteQuery(base: string, name: string, key?: string): Promise<{ ok: boolean; errors: string[] }> {
  const res = await fetch(`${base}/${encodeURIComponent(name)}`, { method: 'DELETE', headers: { accept: 'application/json', ...authHeaders(key) } });
  return { ok: res.ok, errors: res.ok ? [] : errorMessages(await readJson(res), res.status) };
}

/**
 * The run URL with the variables in the query string: one parameter each, strings as they are,
 * anything else as JSON (lists as JSON arrays, input objects as JSON objects); a variable named
 * like a run option (`format`, `all`) goes as `var.<name>`.
 */
export function runUrl(base: string, name: string, variables: Record<string, unknown>, format: 'json' | 'csv' | 'ndjson', all = false): string {
  const params = new URLSearchParams({ format });
  if (all) params.set('all', 'true');
  for (const [k, v] of Object.entries(variables)) {
    const key = k === 'format' || k === 'all' || k.startsWith('var.') ? `var.${k}` : k;
    params.set(key, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return `${base}/${encodeURIComponent(name)}/run?${params.toString()}`;
}

export async function runSavedQuery(base: string, name: string, variables: Record<string, unknown>, key?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/${encodeURIComponent(name)}/run?format=json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders(key) },
    body: JSON.stringify({ variables }),
  });
  return { status: res.status, body: await readJson(res) };
}

/** The file name a Content-Disposition header gives, if any. */
export function dispositionFilename(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain ? plain[1].trim() : undefined;
}

// ---- schedules, kept runs and change reports (gateway/saved-queries/history-routes.ts) ----

/** Every history call says it comes from the console: the run history records `console`. */
const CONSOLE_CLIENT = { 'x-dataex-client': 'console' };

async function historyCall(url: string, key: string | undefined, init: { method?: string; body?: unknown } = {}): Promise<{ ok: boolean; status: number; body: unknown; errors: string[] }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { accept: 'application/json', ...CONSOLE_CLIENT, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...authHeaders(key) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = res.status === 204 ? null : await readJson(res);
  return { ok: res.ok, status: res.status, body, errors: res.ok ? [] : errorMessages(body, res.status) };
}

export const getSchedule = (base: string, name: string, key?: string) => historyCall(`${base}/${encodeURIComponent(name)}/schedule`, key);
export const putSchedule = (base: string, name: string, schedule: { cron: string; variables: Record<string, unknown>; webhook?: { url: string } }, key?: string) =>
  historyCall(`${base}/${encodeURIComponent(name)}/schedule`, key, { method: 'PUT', body: schedule });
export const deleteSchedule = (base: string, name: string, key?: string) => historyCall(`${base}/${encodeURIComponent(name)}/schedule`, key, { method: 'DELETE' });
export const listRuns = (base: string, name: string, key?: string) => historyCall(`${base}/${encodeURIComponent(name)}/runs`, key);
export const runAndKeep = (base: string, name: string, variables: Record<string, unknown>, key?: string) =>
  historyCall(`${base}/${encodeURIComponent(name)}/run`, key, { method: 'POST', body: { variables, keep: true } });
export const getChanges = (base: string, name: string, run: string, since: string | undefined, key?: string) =>
  historyCall(`${base}/${encodeURIComponent(name)}/runs/${encodeURIComponent(run)}/changes${since ? `?since=${encodeURIComponent(since)}` : ''}`, key);

/**
 * Saves what `url` answers as a file. Without a key a link would do (Content-Disposition from
 * the server); with one the request needs an Authorization header, which a link cannot carry:
 * fetch, then save. Resolves with the error messages, if any.
 */
export async function downloadWithKey(url: string, key: string | undefined, fallbackName: string, accept = '*/*'): Promise<string[]> {
  const res = await fetch(url, { headers: { accept, ...CONSOLE_CLIENT, ...authHeaders(key) } });
  if (!res.ok) {
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 300) };
    }
    return errorMessages(body, res.status);
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = dispositionFilename(res.headers.get('content-disposition')) ?? fallbackName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return [];
}

// How dataex reads its custom scalars — one definition, used by the subgraphs' scalar types
// (subgraphs/common/scalars.ts), by the gateway (attached to the supergraph's API schema by
// gateway/plugins/scalar-input.ts: that schema is built from SDL, and a scalar built from SDL
// takes any value) and by saved-query variables (gateway/saved-queries/variables.ts).
// A leaf module: it depends on graphql only.
//
//   DateTime  ISO-8601 with an offset (2024-05-06T12:00:00+08:00, 2024-05-06T04:00:00Z) or a
//             date (2024-05-06 = midnight China time); read into China time (+08:00).
//             Saved-query variables also take relative dates: now, now-24h, now-7d, now-2w.
//   Long      an integer as a decimal string (or a JSON/GraphQL integer) within ±(2^53 − 1).

import { GraphQLError, Kind, isScalarType, print, type GraphQLSchema, type ValueNode } from 'graphql';
import { ErrorCode } from '../../lib/error-codes.ts';

const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** Formats an instant as ISO-8601 in China Standard Time, e.g. 2024-05-06T12:00:00+08:00. */
export function toChinaIso(epochMs: number): string {
  return `${new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** The forms a DateTime takes, for messages. */
export const DATETIME_FORMS =
  'an ISO-8601 date-time with an offset (2024-05-06T12:00:00+08:00 or 2024-05-06T04:00:00Z) or a date (2024-05-06, midnight China time); ' +
  'relative dates (now, now-24h, now-7d, now-2w) are taken by saved-query variables only';

export const LONG_FORMS = 'an integer as a decimal string, e.g. "100000", within ±9007199254740991';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2})))?$/;

const shown = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

const badInput = (message: string, node?: ValueNode) => new GraphQLError(message, { ...(node ? { nodes: node } : {}), extensions: { code: ErrorCode.BAD_USER_INPUT } });

/** A DateTime value (variable or literal text) into ISO-8601 China time; throws BAD_USER_INPUT naming the value. */
export function parseDateTime(value: unknown, node?: ValueNode): string {
  const m = typeof value === 'string' ? ISO.exec(value) : null;
  const refuse = (why = '') => badInput(`DateTime cannot represent ${node ? print(node) : shown(value)}${why}: expected ${DATETIME_FORMS}`, node);
  if (!m) throw refuse();
  const [, y, mo, d, h = '00', mi = '00', s = '00', , oh = '00', om = '00'] = m;
  // Date.parse rolls impossible dates over (30 February becomes 1 March): check the fields.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d) || Number(mo) < 1) throw refuse(' (no such date)');
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 23 || Number(om) > 59) throw refuse(' (no such time)');
  const ms = Date.parse((value as string).length === 10 ? `${value}T00:00:00+08:00` : (value as string));
  if (Number.isNaN(ms)) throw refuse();
  return toChinaIso(ms);
}

export function parseDateTimeLiteral(node: ValueNode): string {
  return parseDateTime(node.kind === Kind.STRING ? node.value : undefined, node);
}

/** A Long value (decimal string or integer) into a number; throws BAD_USER_INPUT naming the value. */
export function parseLong(value: unknown, node?: ValueNode): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw badInput(`Long cannot represent ${node ? print(node) : shown(value)}: expected ${LONG_FORMS}`, node);
  }
  return Number(text);
}

export function parseLongLiteral(node: ValueNode): number {
  return parseLong(node.kind === Kind.STRING || node.kind === Kind.INT ? node.value : undefined, node);
}

const RELATIVE_DATE = /^now(?:-(\d{1,4})([hdw]))?$/;

/**
 * A relative date (`now`, `now-12h`, `now-7d`, `now-2w`) as an ISO date-time in China time, or
 * undefined when `text` is not one. Days and weeks round down to the start of the day in China.
 */
export function resolveRelativeDate(text: string, now = new Date()): string | undefined {
  const m = RELATIVE_DATE.exec(text.trim());
  if (!m) return undefined;
  const amount = m[1] ? Number(m[1]) : 0;
  const unit = (m[2] ?? 'h') as 'h' | 'd' | 'w';
  let cst = now.getTime() + CHINA_OFFSET_MS; // wall-clock time in China, as if it were UTC
  if (unit === 'h') cst -= amount * 3600_000;
  else {
    cst -= amount * (unit === 'w' ? 7 : 1) * 86_400_000;
    cst -= cst % 86_400_000;
  }
  return new Date(cst).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

/** Parsing of each dataex custom scalar, by name. */
export const SCALAR_PARSING = {
  DateTime: { parseValue: (value: unknown) => parseDateTime(value), parseLiteral: parseDateTimeLiteral },
  Long: { parseValue: (value: unknown) => parseLong(value), parseLiteral: parseLongLiteral },
} as const;

const attached = new WeakSet<GraphQLSchema>();

/**
 * Gives the scalars of `schema` named DateTime and Long dataex's parsing, in place (a schema
 * built from SDL leaves custom scalars taking anything). Idempotent; returns the names done.
 */
export function attachScalarParsing(schema: GraphQLSchema): string[] {
  const done: string[] = [];
  for (const [name, parsing] of Object.entries(SCALAR_PARSING)) {
    const type = schema.getType(name);
    if (!isScalarType(type)) continue;
    if (!attached.has(schema)) Object.assign(type, { parseValue: parsing.parseValue, parseLiteral: parsing.parseLiteral });
    done.push(name);
  }
  attached.add(schema);
  return done;
}

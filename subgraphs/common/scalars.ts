// DateTime (ISO-8601, normalised to +08:00) and Long (64-bit integer as a decimal string).

import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** Formats an instant as ISO-8601 in China Standard Time, e.g. 2024-05-06T12:00:00+08:00. */
export function toChinaIso(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 19) + '+08:00';
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseDateTime(value: unknown): string {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) {
    throw new GraphQLError('DateTime must be an ISO-8601 string with an offset, e.g. 2024-05-06T12:00:00+08:00 (or a date 2024-05-06)', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  // A bare date means midnight China time.
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00+08:00` : value);
  if (Number.isNaN(ms)) {
    throw new GraphQLError(`DateTime ${JSON.stringify(value)} is not a valid date`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return toChinaIso(ms);
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time with the China Standard Time offset.',
  serialize: (value) => (typeof value === 'string' ? value : value instanceof Date ? toChinaIso(value.getTime()) : String(value)),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseLong(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new GraphQLError('Long must be an integer (a decimal string or number) within ±9007199254740991', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return Number(text);
}

export const LongScalar = new GraphQLScalarType({
  name: 'Long',
  description: 'A 64-bit integer written as a decimal string.',
  serialize: (value) => (typeof value === 'bigint' ? value.toString() : String(value)),
  parseValue: parseLong,
  parseLiteral: (ast) => parseLong(ast.kind === Kind.STRING || ast.kind === Kind.INT ? ast.value : undefined),
});

// DateTime (ISO-8601, normalised to +08:00) and Long (64-bit integer as a decimal string).
// Their parsing is defined once, in scalar-parsing.ts, and shared with the gateway.

import { GraphQLScalarType } from 'graphql';
import { SCALAR_PARSING, toChinaIso } from './scalar-parsing.ts';

export { toChinaIso } from './scalar-parsing.ts';

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time with the China Standard Time offset.',
  serialize: (value) => (typeof value === 'string' ? value : value instanceof Date ? toChinaIso(value.getTime()) : String(value)),
  ...SCALAR_PARSING.DateTime,
});

export const LongScalar = new GraphQLScalarType({
  name: 'Long',
  description: 'A 64-bit integer written as a decimal string.',
  serialize: (value) => (typeof value === 'bigint' ? value.toString() : String(value)),
  ...SCALAR_PARSING.Long,
});

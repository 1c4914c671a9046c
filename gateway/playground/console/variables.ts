// The saved-query runner's variable form, without the DOM: GraphQL type strings ("[ID!]",
// "Long!") parsed into type references, a form field per variable, and the form's raw
// values coerced back into GraphQL variables (with a message per field when one is wrong).

export interface VariableDefinition {
  name: string;
  /** GraphQL type as written in the operation, e.g. `Int`, `[ProductType!]`, `DatasetFilter`. */
  type: string;
  required: boolean;
  defaultValue?: unknown;
}

export type TypeRef = { kind: 'named'; name: string; nonNull: boolean } | { kind: 'list'; ofType: TypeRef; nonNull: boolean };

/** Enum values and input-object fields of the served schema, by type name; the exchanges it has. */
export interface SchemaHints {
  enums: Record<string, string[]>;
  inputs: Record<string, Array<{ name: string; type: string }>>;
  /** The served API's exchanges (`{ exchanges { id name } }`, from /console/config.json): the choices of exchange variables. */
  exchanges?: Array<{ id: string; name: string }>;
}

/**
 * A variable that names exchanges by id: `exchange: ID` or `exchanges: [ID!]` (what the API's
 * exchange arguments and `DatasetFilter.exchanges` are called). The form offers the served
 * exchanges as choices instead of free text.
 */
function isExchangeVariable(name: string, ref: TypeRef): boolean {
  if (ref.kind === 'named') return name === 'exchange' && ref.name === 'ID';
  return name === 'exchanges' && ref.ofType.kind === 'named' && ref.ofType.name === 'ID';
}

export function parseTypeRef(source: string): TypeRef {
  const s = source.replace(/\s+/g, '');
  let i = 0;
  const parse = (): TypeRef => {
    let ref: TypeRef;
    if (s[i] === '[') {
      i++;
      const ofType = parse();
      if (s[i] !== ']') throw new Error(`unbalanced [ in type ${JSON.stringify(source)}`);
      i++;
      ref = { kind: 'list', ofType, nonNull: false };
    } else {
      const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(s.slice(i));
      if (!m) throw new Error(`not a GraphQL type: ${JSON.stringify(source)}`);
      i += m[0].length;
      ref = { kind: 'named', name: m[0], nonNull: false };
    }
    if (s[i] === '!') {
      i++;
      ref.nonNull = true;
    }
    return ref;
  };
  const ref = parse();
  if (i !== s.length) throw new Error(`not a GraphQL type: ${JSON.stringify(source)}`);
  return ref;
}

export function namedType(ref: TypeRef): string {
  return ref.kind === 'named' ? ref.name : namedType(ref.ofType);
}

/** How a variable is edited in the form. */
export type InputKind = 'int' | 'float' | 'long' | 'boolean' | 'string' | 'id' | 'datetime' | 'enum' | 'enum-list' | 'list' | 'json';

export interface FormField {
  name: string;
  type: string;
  ref: TypeRef;
  required: boolean;
  kind: InputKind;
  /** For `enum` and `enum-list`. */
  enumValues?: string[];
  /** What the form shows next to a value, when more than the value (an exchange's name). */
  valueLabels?: Record<string, string>;
  /** For `list`: how each item is read. */
  itemKind?: InputKind;
  /** What the form starts with (default variables, else the operation's default). */
  initial: FormValue;
  /** A hint shown in the empty field. */
  placeholder: string;
}

/** Raw form state of one field: text, a tri-state boolean as text, or checked enum values. */
export type FormValue = string | string[];

const SCALAR_KINDS: Record<string, InputKind> = {
  Int: 'int',
  Float: 'float',
  Long: 'long',
  Boolean: 'boolean',
  String: 'string',
  ID: 'id',
  DateTime: 'datetime',
};

function scalarKind(name: string, hints: SchemaHints): InputKind {
  if (SCALAR_KINDS[name]) return SCALAR_KINDS[name];
  if (hints.enums[name]) return 'enum';
  if (hints.inputs[name]) return 'json';
  return 'string'; // an unknown custom scalar: sent as typed
}

const PLACEHOLDERS: Record<InputKind, string> = {
  int: 'integer, e.g. 20',
  float: 'number, e.g. 1.5',
  long: 'integer (64-bit), e.g. 500000',
  boolean: '',
  string: 'text',
  id: 'id',
  datetime: 'e.g. 2024-05-06T00:00:00+08:00',
  enum: '',
  'enum-list': '',
  list: 'values separated by commas',
  json: 'JSON',
};

export function formFields(variables: readonly VariableDefinition[], hints: SchemaHints, defaultVariables: Record<string, unknown> = {}): FormField[] {
  return variables.map((v) => {
    let ref: TypeRef;
    try {
      ref = parseTypeRef(v.type);
    } catch {
      ref = { kind: 'named', name: 'String', nonNull: false };
    }
    const inner = ref.kind === 'list' ? ref.ofType : undefined;
    let kind: InputKind;
    let itemKind: InputKind | undefined;
    let enumValues: string[] | undefined;
    if (ref.kind === 'named') {
      kind = scalarKind(ref.name, hints);
      if (kind === 'enum') enumValues = hints.enums[ref.name];
    } else if (inner && inner.kind === 'named') {
      const k = scalarKind(inner.name, hints);
      if (k === 'enum') {
        kind = 'enum-list';
        enumValues = hints.enums[inner.name];
      } else if (k === 'json') {
        kind = 'json';
      } else {
        kind = 'list';
        itemKind = k;
      }
    } else {
      kind = 'json'; // lists of lists
    }
    const value = Object.hasOwn(defaultVariables, v.name) ? defaultVariables[v.name] : v.defaultValue;
    let valueLabels: Record<string, string> | undefined;
    const exchanges = hints.exchanges ?? [];
    if (exchanges.length > 0 && isExchangeVariable(v.name, ref)) {
      kind = ref.kind === 'list' ? 'enum-list' : 'enum';
      itemKind = undefined;
      // The served exchanges, then any the saved defaults name that it does not serve (shown, so they can be unticked).
      const ids = exchanges.map((e) => e.id);
      const named = value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).map(String);
      enumValues = [...ids, ...named.filter((id, i) => !ids.includes(id) && named.indexOf(id) === i)];
      valueLabels = Object.fromEntries(exchanges.map((e) => [e.id, e.name]));
    }
    const placeholder = kind === 'json' ? jsonTemplate(ref, hints) : kind === 'list' ? `${PLACEHOLDERS[itemKind ?? 'string']}; several separated by commas` : PLACEHOLDERS[kind];
    return {
      name: v.name,
      type: v.type,
      ref,
      required: v.required,
      kind,
      ...(enumValues ? { enumValues } : {}),
      ...(valueLabels ? { valueLabels } : {}),
      ...(itemKind ? { itemKind } : {}),
      initial: toFormValue(kind, value),
      placeholder,
    };
  });
}

function jsonTemplate(ref: TypeRef, hints: SchemaHints): string {
  const name = namedType(ref);
  const fields = hints.inputs[name];
  if (!fields) return 'JSON';
  const example = `{ ${fields
    .slice(0, 3)
    .map((f) => `"${f.name}": …`)
    .join(', ')}${fields.length > 3 ? ', …' : ''} }`;
  return ref.kind === 'list' ? `[${example}]` : example;
}

function toFormValue(kind: InputKind, value: unknown): FormValue {
  if (value === undefined || value === null) return kind === 'enum-list' ? [] : '';
  switch (kind) {
    case 'enum-list':
      return Array.isArray(value) ? value.map(String) : [String(value)];
    case 'list':
      return Array.isArray(value) ? value.map(String).join(', ') : String(value);
    case 'json':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return String(value);
  }
}

export type Coerced = { ok: true; omit: boolean; value?: unknown } | { ok: false; error: string };

const INT32 = 2 ** 31;

function coerceScalar(kind: InputKind, text: string, enumValues?: string[]): Coerced {
  switch (kind) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) return { ok: false, error: 'must be a whole number' };
      const n = Number(text);
      if (n >= INT32 || n < -INT32) return { ok: false, error: 'is outside the 32-bit range of Int' };
      return { ok: true, omit: false, value: n };
    }
    case 'float': {
      const n = Number(text);
      if (!Number.isFinite(n)) return { ok: false, error: 'must be a number' };
      return { ok: true, omit: false, value: n };
    }
    case 'long': {
      // 64-bit integers travel as strings (money in fen overflows Int and JS numbers).
      if (!/^[+-]?\d+$/.test(text)) return { ok: false, error: 'must be a whole number' };
      const n = BigInt(text);
      if (n >= 2n ** 63n || n < -(2n ** 63n)) return { ok: false, error: 'is outside the 64-bit range of Long' };
      return { ok: true, omit: false, value: n.toString() };
    }
    case 'boolean':
      if (text === 'true') return { ok: true, omit: false, value: true };
      if (text === 'false') return { ok: true, omit: false, value: false };
      return { ok: false, error: 'must be true or false' };
    case 'enum':
      if (enumValues && !enumValues.includes(text)) return { ok: false, error: `must be one of ${enumValues.join(', ')}` };
      return { ok: true, omit: false, value: text };
    case 'datetime':
      if (Number.isNaN(Date.parse(text))) return { ok: false, error: 'must be an ISO-8601 date-time' };
      return { ok: true, omit: false, value: text };
    default:
      return { ok: true, omit: false, value: text };
  }
}

/** One field's raw value as a GraphQL variable value; empty optional fields are left out. */
export function coerceField(field: FormField, raw: FormValue): Coerced {
  const empty = Array.isArray(raw) ? raw.length === 0 : raw.trim() === '';
  if (empty) return field.required ? { ok: false, error: 'is required' } : { ok: true, omit: true };
  switch (field.kind) {
    case 'enum-list': {
      const values = Array.isArray(raw) ? raw : [raw];
      const bad = values.find((v) => field.enumValues && !field.enumValues.includes(v));
      if (bad !== undefined) return { ok: false, error: `${JSON.stringify(bad)} is not one of ${field.enumValues?.join(', ')}` };
      return { ok: true, omit: false, value: values };
    }
    case 'list': {
      const items = (Array.isArray(raw) ? raw : raw.split(/[,，\n]/)).map((s) => s.trim()).filter(Boolean);
      const out: unknown[] = [];
      for (const [i, item] of items.entries()) {
        const c = coerceScalar(field.itemKind ?? 'string', item);
        if (!c.ok) return { ok: false, error: `item ${i + 1} ${c.error}` };
        out.push(c.value);
      }
      return { ok: true, omit: false, value: out };
    }
    case 'json': {
      try {
        return { ok: true, omit: false, value: JSON.parse(String(raw)) };
      } catch (e) {
        return { ok: false, error: `is not valid JSON (${(e as Error).message})` };
      }
    }
    default:
      return coerceScalar(field.kind, String(raw).trim(), field.enumValues);
  }
}

/** Every field coerced: the variables to send, or a message per wrong field. */
export function collectVariables(fields: readonly FormField[], values: Record<string, FormValue>): { variables: Record<string, unknown>; errors: Record<string, string> } {
  const variables: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const c = coerceField(field, values[field.name] ?? field.initial);
    if (!c.ok) errors[field.name] = `${field.name} ${c.error}`;
    else if (!c.omit) variables[field.name] = c.value;
  }
  return { variables, errors };
}

// A strict parser of the Prometheus text exposition format (0.0.4), for tests: every line is a
// blank line, a `# HELP`/`# TYPE` comment, or `name{labels} value`; every sample belongs to a
// family declared by `# TYPE` before it; no series appears twice. Throws on anything else.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: PromSample[];
}

export interface Exposition {
  families: Map<string, PromFamily>;
  /** Value of the one series with exactly these labels (undefined when absent). */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Sum over every series of `name` whose labels include `match`. */
  sum(name: string, match?: Record<string, string>): number;
  /** Every series of `name` whose labels include `match`. */
  series(name: string, match?: Record<string, string>): PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: string): number {
  // Go's ParseFloat rules: NaN and Inf in any case (prom-client writes "Nan").
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value ${JSON.stringify(text)} in: ${line}`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, i: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  i++; // {
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels in: ${line}`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name ${JSON.stringify(name)} in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const ch = line[j];
      if (ch === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape in: ${line}`);
        j += 2;
        continue;
      }
      value += ch;
      j++;
    }
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
  return { labels, end: i + 1 };
}

/** The family a sample name belongs to (histogram/summary suffixes). */
function familyOf(name: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base && (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return undefined;
}

const includes = (labels: Record<string, string>, match: Record<string, string>) => Object.entries(match).every(([k, v]) => labels[k] === v);

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`bad comment: ${line}`);
        continue; // other comments are allowed
      }
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const family = families.get(name) ?? { name, type: 'untyped' as MetricType, help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest as MetricType)) throw new Error(`bad type in: ${line}`);
        if (family.samples.length > 0) throw new Error(`TYPE after samples in: ${line}`);
        family.type = rest as MetricType;
      } else {
        family.help = rest;
      }
      families.set(name, family);
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`bad sample line: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i));
    if (line[i] !== ' ') throw new Error(`expected a space before the value in: ${line}`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length > 2 || (parts.length === 2 && !/^-?\d+$/.test(parts[1]))) throw new Error(`bad value/timestamp in: ${line}`);
    const value = parseValue(parts[0], line);
    const family = familyOf(name, families);
    if (!family) throw new Error(`sample of an undeclared metric: ${line}`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(id)) throw new Error(`series twice: ${line}`);
    seen.add(id);
    family.samples.push({ name, labels, value });
  }

  const all = () => [...families.values()].flatMap((f) => f.samples);
  const series = (name: string, match: Record<string, string> = {}) => all().filter((s) => s.name === name && includes(s.labels, match));
  return {
    families,
    series,
    value(name, labels = {}) {
      const found = all().find((s) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && includes(s.labels, labels));
      return found?.value;
    },
    sum: (name, match = {}) => series(name, match).reduce((n, s) => n + s.value, 0),
  };
}

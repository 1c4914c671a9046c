// `dataex query <name>`: runs a saved query on the gateway and streams the result to stdout (or
// --output), with progress on stderr for multi-page exports. Exit code 7 when the result carries
// GraphQL errors or the export ended with error records.

import { createWriteStream } from 'node:fs';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { call, CliError, connection, errorFromReply } from './client.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { Header } from '../lib/headers.ts';

export type Format = 'json' | 'csv' | 'ndjson';
const FORMATS: readonly Format[] = ['json', 'csv', 'ndjson'];

export interface QueryOptions {
  name: string;
  vars: string[];
  format?: string;
  all: boolean;
  output?: string;
  quiet: boolean;
  url?: string;
  key?: string;
}

/** `k=v` pairs; a repeated name collects its values into a list. */
export function parseVars(pairs: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(EXIT.USAGE, `--var takes name=value (got ${JSON.stringify(pair)})`);
    const name = pair.slice(0, eq).trim().replace(/^\$/, '');
    const value = pair.slice(eq + 1);
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export async function runQuery(opts: QueryOptions, io: { stdout: Writable; stderr: Writable; stderrIsTTY: boolean }): Promise<ExitCode> {
  const format = (opts.format ?? 'json').toLowerCase() as Format;
  if (!FORMATS.includes(format)) throw new CliError(EXIT.USAGE, `--format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(opts.format)})`);
  const conn = connection(opts);
  const started = Date.now();
  const res = await call(conn, `/saved-queries/${encodeURIComponent(opts.name)}/run`, {
    method: 'POST',
    body: { variables: parseVars(opts.vars), format, all: opts.all },
  });
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, await res.body.text());

  const out: Writable = opts.output ? createWriteStream(opts.output) : io.stdout;
  const total = Number(res.headers[Header.TOTAL_COUNT]);
  const scanner = new ResultScanner(format, opts.all);
  const progress = new Progress(io.stderr, io.stderrIsTTY, opts.quiet || !opts.all, opts.name, Number.isFinite(total) ? total : undefined);
  scanner.onRows = (rows) => progress.update(rows);
  await pipeline(res.body, scanner, out, { end: out !== io.stdout });

  const problems = scanner.problems();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  progress.done(
    `${opts.name}: ${format === 'json' && !opts.all ? 'result' : `${scanner.rows} rows`}${progress.total !== undefined ? ` of ${progress.total}` : ''} in ${seconds} s${opts.output ? ` → ${opts.output}` : ''}`,
  );
  if (problems.length > 0) {
    io.stderr.write(`dataex: ${opts.name} reported ${problems.length} error${problems.length > 1 ? 's' : ''}:\n`);
    for (const p of problems) io.stderr.write(`  ${p}\n`);
    return EXIT.QUERY_ERRORS;
  }
  return EXIT.OK;
}

const TAIL_BYTES = 256 * 1024;

/** Passes the result through, counting rows and keeping the end to find error records. */
class ResultScanner extends Transform {
  private readonly format: Format;

  rows = 0;
  onRows: (rows: number) => void = () => undefined;
  private inQuotes = false;
  private headerSeen = false;
  private tail = '';
  private whole: string[] | undefined;

  constructor(format: Format, all: boolean) {
    super({ decodeStrings: true });
    this.format = format;
    if (format === 'json' && !all) this.whole = [];
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = chunk.toString('utf8');
    if (this.whole) this.whole.push(text);
    else {
      this.tail = (this.tail + text).slice(-TAIL_BYTES);
      this.count(text);
    }
    cb(null, chunk);
  }

  private count(text: string): void {
    if (this.format === 'ndjson') {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.rows++;
    } else if (this.format === 'csv') {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 34) this.inQuotes = !this.inQuotes;
        else if (c === 10 && !this.inQuotes) {
          if (this.headerSeen) this.rows++;
          else this.headerSeen = true;
        }
      }
    } else {
      return;
    }
    this.onRows(this.rows);
  }

  /** Error messages the result carried. */
  problems(): string[] {
    if (this.whole) {
      try {
        const body = JSON.parse(this.whole.join('')) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
        return (body.errors ?? []).map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message));
      } catch {
        return ['the result is not JSON'];
      }
    }
    if (this.format === 'csv') {
      const out: string[] = [];
      for (const line of this.tail.split('\r\n')) {
        if (!line.startsWith('#ERROR,')) continue;
        const m = /^#ERROR,("(?:[^"]|"")*"|[^,]*)/.exec(line);
        const field = m?.[1] ?? '';
        out.push(field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field);
        this.rows--; // an error record is not a row
      }
      return out;
    }
    if (this.format === 'ndjson') {
      const last = this.tail.trimEnd().split('\n').pop() ?? '';
      try {
        const obj = JSON.parse(last) as { errors?: Array<{ message: string }> };
        if (obj && Object.keys(obj).length === 1 && Array.isArray(obj.errors)) {
          this.rows--;
          return obj.errors.map((e) => e.message);
        }
      } catch {
        return ['the export ended with an incomplete line'];
      }
      return [];
    }
    const m = /\],"count":(\d+),"pages":\d+(?:,"totalCount":\d+)?(?:,"errors":(\[[\s\S]*\]))?\}\s*$/.exec(this.tail);
    if (!m) return ['the export ended early'];
    this.rows = Number(m[1]);
    if (!m[2]) return [];
    try {
      return (JSON.parse(m[2]) as Array<{ message: string }>).map((e) => e.message);
    } catch {
      return ['the export ended with unreadable errors'];
    }
  }
}

/** Row counts on stderr: rewritten in place on a terminal, a line a second otherwise. */
class Progress {
  private readonly stderr: Writable;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  private readonly name: string;
  readonly total: number | undefined;

  private last = 0;
  private shown = false;

  constructor(stderr: Writable, tty: boolean, quiet: boolean, name: string, total: number | undefined) {
    this.stderr = stderr;
    this.tty = tty;
    this.quiet = quiet;
    this.name = name;
    this.total = total;
  }

  update(rows: number): void {
    if (this.quiet) return;
    const now = Date.now();
    if (now - this.last < (this.tty ? 200 : 1_000)) return;
    this.last = now;
    const pct = this.total ? ` (${Math.min(100, Math.floor((rows / this.total) * 100))}%)` : '';
    const text = `${this.name}: ${rows}${this.total !== undefined ? `/${this.total}` : ''} rows${pct}`;
    this.stderr.write(this.tty ? `\r${text}\x1b[K` : `${text}\n`);
    this.shown = true;
  }

  done(summary: string): void {
    if (this.tty && this.shown) this.stderr.write('\r\x1b[K');
    if (!this.quiet) this.stderr.write(`${summary}\n`);
  }
}

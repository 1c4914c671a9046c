// `dataex queries list|show|save|delete`: manage the gateway's saved queries over HTTP.

import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseQueryFile } from '../gateway/saved-queries/shipped.ts';
import { call, CliError, connection, errorFromReply, jsonReply } from './client.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { parseVars } from './query.ts';

interface SavedQueryView {
  name: string;
  description: string;
  document: string;
  defaultVariables: Record<string, unknown>;
  variables: Array<{ name: string; type: string; required: boolean; defaultValue: unknown }>;
  owner: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
  source: string;
  readOnly: boolean;
  valid: boolean;
}

interface Io {
  stdout: Writable;
  stderr: Writable;
  readStdin: () => Promise<string>;
  stdinIsTTY: boolean;
}

interface Common {
  url?: string;
  key?: string;
  json: boolean;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

const shorten = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

export async function listQueries(opts: Common, io: Io): Promise<ExitCode> {
  const { savedQueries } = await jsonReply<{ savedQueries: SavedQueryView[] }>(await call(connection(opts), '/saved-queries'));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(savedQueries, null, 2)}\n`);
    return EXIT.OK;
  }
  if (savedQueries.length === 0) {
    io.stderr.write('no saved queries\n');
    return EXIT.OK;
  }
  const rows = [['NAME', 'SOURCE', 'VARIABLES', 'DESCRIPTION']];
  for (const q of savedQueries) {
    const vars = q.variables.map((v) => `${v.required ? '*' : ''}${v.name}`).join(',');
    rows.push([q.name, q.source + (q.valid ? '' : ' (invalid)'), vars || '-', shorten(q.description.replace(/\s+/g, ' '), 70)]);
  }
  io.stdout.write(table(rows));
  return EXIT.OK;
}

export async function showQuery(opts: Common & { name: string }, io: Io): Promise<ExitCode> {
  const q = await jsonReply<SavedQueryView>(await call(connection(opts), `/saved-queries/${encodeURIComponent(opts.name)}`));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(q, null, 2)}\n`);
    return EXIT.OK;
  }
  const lines = [
    `name:        ${q.name}`,
    `description: ${q.description}`,
    `source:      ${q.source}${q.readOnly ? ' (read-only)' : ''}${q.valid ? '' : ' — does not validate against the current schema'}`,
    `owner:       ${q.owner} (updated ${q.updatedAt} by ${q.updatedBy})`,
    'variables:',
    ...(q.variables.length === 0
      ? ['  (none)']
      : q.variables.map((v) => `  $${v.name}: ${v.type}${v.required ? ' (required)' : ''}${v.defaultValue !== null ? ` = ${JSON.stringify(v.defaultValue)}` : ''}`)),
    '',
    q.document.trimEnd(),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

export async function saveQuery(opts: Common & { name: string; file?: string; document?: string; description?: string; vars: string[] }, io: Io): Promise<ExitCode> {
  let text: string;
  if (opts.document !== undefined) text = opts.document;
  else if (opts.file && opts.file !== '-') {
    try {
      text = await readFile(opts.file, 'utf8');
    } catch (e) {
      throw new CliError(EXIT.USAGE, `cannot read ${opts.file}: ${(e as Error).message}`);
    }
  } else if (opts.file === '-' || !io.stdinIsTTY) text = await io.readStdin();
  else throw new CliError(EXIT.USAGE, 'queries save needs a document: a file, `-` for stdin, or --document');
  let header: ReturnType<typeof parseQueryFile>;
  try {
    header = parseQueryFile(text);
  } catch (e) {
    throw new CliError(EXIT.USAGE, (e as Error).message);
  }
  const body = {
    document: header.document,
    description: opts.description ?? header.description,
    defaultVariables: { ...header.defaultVariables, ...parseVars(opts.vars) },
  };
  const res = await call(connection(opts), `/saved-queries/${encodeURIComponent(opts.name)}`, { method: 'PUT', body });
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, await res.body.text());
  const saved = (await res.body.json()) as SavedQueryView;
  if (opts.json) io.stdout.write(`${JSON.stringify(saved, null, 2)}\n`);
  io.stderr.write(`${res.statusCode === 201 ? 'created' : 'updated'} saved query ${saved.name}\n`);
  return EXIT.OK;
}

export async function deleteQuery(opts: Common & { name: string }, io: Io): Promise<ExitCode> {
  const res = await call(connection(opts), `/saved-queries/${encodeURIComponent(opts.name)}`, { method: 'DELETE' });
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, await res.body.text());
  await res.body.dump();
  io.stderr.write(`deleted saved query ${opts.name}\n`);
  return EXIT.OK;
}

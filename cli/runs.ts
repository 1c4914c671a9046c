// `dataex schedule …`, `dataex runs …`, `dataex changes …` and `dataex query --keep`: schedules,
// run history and change reports of saved queries, over the gateway's HTTP API
// (gateway/saved-queries/history-routes.ts). Tables go to stdout (or JSON with --json),
// messages to stderr; results and reports to stdout or --output (xlsx needs --output or a pipe).

import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Header } from '../lib/headers.ts';
import { call, CliError, connection, errorFromReply, jsonReply } from './client.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { parseVars } from './query.ts';

interface Io {
  stdout: Writable;
  stderr: Writable;
  stdoutIsTTY?: boolean;
}

interface Common {
  url?: string;
  key?: string;
  json: boolean;
}

const FORMATS = ['json', 'csv', 'ndjson', 'xlsx'];
/** Every call says it comes from the CLI: the run history records `cli` as the trigger. */
const CLI_HEADERS = { [Header.CLIENT]: 'cli' };

function checkFormat(format: string | undefined): string {
  const f = (format ?? 'json').toLowerCase();
  if (!FORMATS.includes(f)) throw new CliError(EXIT.USAGE, `--format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
  return f;
}

const path = (name: string, ...rest: string[]) => `/saved-queries/${[name, ...rest].map(encodeURIComponent).join('/')}`;

interface ScheduleView {
  query: string;
  cron: string;
  timezone: string;
  variables: Record<string, unknown>;
  owner: string;
  webhook: { url: string; secret?: string } | null;
  nextRun: string | null;
  state: string;
  suspended: { reason: string } | null;
  lastRunId: string | null;
}

function printSchedule(s: ScheduleView, io: Io, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  io.stdout.write(
    `${[
      `query     ${s.query}`,
      `cron      ${s.cron} (${s.timezone})`,
      `next run  ${s.nextRun ?? '—'}`,
      `state     ${s.state}${s.suspended ? `: ${s.suspended.reason}` : ''}`,
      `runs as   ${s.owner}`,
      `variables ${JSON.stringify(s.variables)}`,
      `webhook   ${s.webhook?.url ?? '—'}`,
      `last run  ${s.lastRunId ?? '—'}`,
    ].join('\n')}\n`,
  );
}

export async function setSchedule(
  opts: Common & { name: string; cron: string | undefined; vars: string[]; webhook?: string; secret?: string; keepCount?: string; keepDays?: string },
  io: Io,
): Promise<ExitCode> {
  if (!opts.cron) throw new CliError(EXIT.USAGE, 'schedule set needs --cron "<minute hour day month weekday>" (China time)');
  const keep = opts.keepCount || opts.keepDays ? { ...(opts.keepCount ? { count: Number(opts.keepCount) } : {}), ...(opts.keepDays ? { maxAgeDays: Number(opts.keepDays) } : {}) } : undefined;
  const body = {
    cron: opts.cron,
    variables: parseVars(opts.vars),
    ...(opts.webhook ? { webhook: { url: opts.webhook, ...(opts.secret ? { secret: opts.secret } : {}) } } : {}),
    ...(keep ? { keep } : {}),
  };
  const view = await jsonReply<ScheduleView>(await call(connection(opts), path(opts.name, 'schedule'), { method: 'PUT', body, headers: CLI_HEADERS }));
  printSchedule(view, io, opts.json);
  if (view.webhook?.secret && !opts.json) io.stderr.write(`webhook signing secret (shown once): ${view.webhook.secret}\n`);
  return EXIT.OK;
}

export async function showSchedule(opts: Common & { name: string }, io: Io): Promise<ExitCode> {
  printSchedule(await jsonReply<ScheduleView>(await call(connection(opts), path(opts.name, 'schedule'), { headers: CLI_HEADERS })), io, opts.json);
  return EXIT.OK;
}

export async function deleteSchedule(opts: Common & { name: string }, io: Io): Promise<ExitCode> {
  const res = await call(connection(opts), path(opts.name, 'schedule'), { method: 'DELETE', headers: CLI_HEADERS });
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, await res.body.text());
  await res.body.dump();
  io.stderr.write(`deleted the schedule of ${opts.name}\n`);
  return EXIT.OK;
}

interface RunView {
  id: string;
  trigger: string;
  principal: string;
  startedAt: string;
  outcome: string;
  rowCount: number;
  durationMs: number;
  webhook: { delivered: boolean } | null;
}

export async function listRuns(opts: Common & { name: string }, io: Io): Promise<ExitCode> {
  const { runs } = await jsonReply<{ runs: RunView[] }>(await call(connection(opts), path(opts.name, 'runs'), { headers: CLI_HEADERS }));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return EXIT.OK;
  }
  if (runs.length === 0) {
    io.stderr.write(`no kept runs of ${opts.name} that you may read\n`);
    return EXIT.OK;
  }
  const rows = [['RUN', 'STARTED', 'TRIGGER', 'AS', 'OUTCOME', 'ROWS', 'WEBHOOK']];
  for (const r of runs) rows.push([r.id, r.startedAt, r.trigger, r.principal, r.outcome, String(r.rowCount), r.webhook ? (r.webhook.delivered ? 'delivered' : 'failed') : '—']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  io.stdout.write(
    `${rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n')}\n`,
  );
  return EXIT.OK;
}

/** Downloads `urlPath` to --output or stdout. */
async function download(opts: Common & { output?: string }, urlPath: string, format: string, io: Io): Promise<{ run: string | undefined }> {
  if (format === 'xlsx' && !opts.output && io.stdoutIsTTY) throw new CliError(EXIT.USAGE, 'an xlsx workbook is binary: give --output <file.xlsx> (or pipe stdout)');
  const res = await call(connection(opts), urlPath, { headers: CLI_HEADERS });
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, await res.body.text());
  const body = Buffer.from(await res.body.arrayBuffer());
  if (opts.output) await writeFile(opts.output, body);
  else io.stdout.write(body);
  const run = res.headers[Header.RUN];
  return { run: typeof run === 'string' ? run : undefined };
}

export async function showRun(opts: Common & { name: string; run: string; format?: string; output?: string }, io: Io): Promise<ExitCode> {
  const format = checkFormat(opts.format);
  await download(opts, `${path(opts.name, 'runs', opts.run)}?format=${format}`, format, io);
  if (opts.output) io.stderr.write(`run ${opts.run} of ${opts.name} → ${opts.output}\n`);
  return EXIT.OK;
}

export async function showChanges(opts: Common & { name: string; run: string; since?: string; format?: string; output?: string }, io: Io): Promise<ExitCode> {
  const format = checkFormat(opts.format);
  const query = new URLSearchParams({ format, ...(opts.since ? { since: opts.since } : {}) });
  await download(opts, `${path(opts.name, 'runs', opts.run, 'changes')}?${query}`, format, io);
  if (opts.output) io.stderr.write(`changes of ${opts.name} up to run ${opts.run} → ${opts.output}\n`);
  return EXIT.OK;
}

/** `dataex query <name> --keep`: every page, kept in the run history; the result as `format`. */
export async function runAndKeep(opts: Common & { name: string; vars: string[]; format?: string; output?: string }, io: Io): Promise<ExitCode> {
  const format = checkFormat(opts.format);
  if (format === 'xlsx' && !opts.output && io.stdoutIsTTY) throw new CliError(EXIT.USAGE, 'an xlsx workbook is binary: give --output <file.xlsx> (or pipe stdout)');
  const res = await call(connection(opts), path(opts.name, 'run'), { method: 'POST', body: { variables: parseVars(opts.vars), format, keep: true }, headers: CLI_HEADERS });
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, await res.body.text());
  const body = Buffer.from(await res.body.arrayBuffer());
  if (opts.output) await writeFile(opts.output, body);
  else io.stdout.write(body);
  io.stderr.write(`kept as run ${String(res.headers[Header.RUN])} of ${opts.name}${opts.output ? ` → ${opts.output}` : ''}\n`);
  return EXIT.OK;
}

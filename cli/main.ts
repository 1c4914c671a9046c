// `dataex` command line: run saved queries into files, manage saved queries and API keys.
// bin/dataex.mjs runs it on Node 24 (types stripped, no loader) and calls main(); main returns the exit code (exit-codes.ts).

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import { CliError } from './client.ts';
import { EXIT, EXIT_HELP, type ExitCode } from './exit-codes.ts';
import { runQuery } from './query.ts';
import { deleteQuery, listQueries, saveQuery, showQuery } from './queries.ts';
import { createKey, listKeys, revokeKey } from './keys.ts';
import { checkDocuments, publishDocuments } from './documents.ts';
import { deleteSchedule, listRuns, runAndKeep, setSchedule, showChanges, showRun, showSchedule } from './runs.ts';

export const USAGE = `dataex — saved queries, schedules, run history, trusted documents and API keys of a dataex gateway

Usage:
  dataex query <name> [--var k=v ...] [--format csv|json|ndjson] [--all] [--output file] [--quiet]
      Run a saved query. --var sets a variable (repeat it; a repeated name makes a list,
      lists also take a,b,c; input objects take JSON). --all exports every page of the
      query's main connection, streaming; progress goes to stderr.
  dataex query <name> --keep [--var k=v ...] [--format json|csv|ndjson|xlsx] [--output file]
      Run every page and keep the run in the run history (its id goes to stderr).
  dataex schedule set <name> --cron "0 9 * * 1" [--var k=v ...] [--webhook URL [--secret s]]
                      [--keep-count N] [--keep-days N] [--json]
      Run the saved query on a schedule (cron in China time) as you, keeping every run; the
      webhook (allowed by DATAEX_WEBHOOK_ALLOW) gets a signed summary after each run.
  dataex schedule show|delete <name> [--json]
  dataex runs <name> [--json]                 kept runs you may read, newest first
  dataex runs <name> <run> [--format json|csv|ndjson|xlsx] [--output file]
  dataex changes <name> <run> [--since <run>] [--format json|csv|ndjson|xlsx] [--output file]
      What changed between two kept runs (default: the run before <run>), by row id.
  dataex queries list [--json]
  dataex queries show <name> [--json]
  dataex queries save <name> [file.graphql | -] [--document '{…}'] [--description text] [--var k=v ...]
      Create or replace a saved query (analyst or admin key). A "# description:" and a
      "# variables: {…}" header comment in the file are read too; --var sets default variables.
  dataex queries delete <name>
  dataex documents publish <manifest.json> --app <name> [--json]
      Publish an app's persisted-documents manifest ({"<sha256>": "<document>"}) as trusted
      documents (admin key); refused whole if any document is invalid.
  dataex documents check [--json]
      Check every published document against the schema and limits now; exit 5 if any fails.
  dataex keys create --principal <id> [--role public|analyst|admin] [--label text]
                     [--max-level GENERAL|IMPORTANT|CORE] [--max-grade 1-4] [--personal-info] [--json]
      Prints the new key once on stdout.
  dataex keys list [--json]
  dataex keys revoke <keyId>

Gateway commands take --url (default $DATAEX_URL or http://127.0.0.1:$DATAEX_PORT, port 4000)
and --key (default $DATAEX_API_KEY). Key commands take --data-dir (default $DATAEX_DATA_DIR or ./data).

${EXIT_HELP}
`;

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  readStdin: () => Promise<string>;
}

const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdinIsTTY: Boolean(process.stdin.isTTY),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
});

const GATEWAY_OPTIONS = {
  url: { type: 'string', short: 'u' },
  key: { type: 'string', short: 'k' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(EXIT.USAGE, (e as Error).message);
  }
}

function one(positionals: string[], what: string, max = 1): string {
  if (positionals.length === 0) throw new CliError(EXIT.USAGE, `missing ${what}`);
  if (positionals.length > max) throw new CliError(EXIT.USAGE, `unexpected argument ${JSON.stringify(positionals[max])}`);
  return positionals[0];
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<ExitCode> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`dataex: ${e.message}\n`);
      for (const d of e.details) io.stderr.write(`  ${d}\n`);
      if (e.exitCode === EXIT.USAGE) io.stderr.write('run `dataex help` for usage\n');
      return e.exitCode;
    }
    io.stderr.write(`dataex: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT.FAILURE;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<ExitCode> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout).write(USAGE);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  switch (command) {
    case 'query':
    case 'run': {
      const { values, positionals } = parse(rest, {
        ...GATEWAY_OPTIONS,
        var: { type: 'string', multiple: true, short: 'v' },
        format: { type: 'string', short: 'f' },
        all: { type: 'boolean', short: 'a', default: false },
        output: { type: 'string', short: 'o' },
        quiet: { type: 'boolean', short: 'q', default: false },
        keep: { type: 'boolean', default: false },
      });
      if (values.help) return help(io);
      if (values.keep) {
        if (values.all) throw new CliError(EXIT.USAGE, '--keep always reads every page: leave out --all');
        return runAndKeep(
          { name: one(positionals, 'saved-query name'), vars: values.var ?? [], format: values.format, output: values.output, url: values.url, key: values.key, json: false },
          { ...io, stdoutIsTTY: Boolean((io.stdout as { isTTY?: boolean }).isTTY) },
        );
      }
      return runQuery(
        {
          name: one(positionals, 'saved-query name'),
          vars: values.var ?? [],
          format: values.format,
          all: values.all,
          output: values.output,
          quiet: values.quiet,
          url: values.url,
          key: values.key,
        },
        io,
      );
    }
    case 'queries': {
      const [sub, ...args] = rest;
      const { values, positionals } = parse(args, {
        ...GATEWAY_OPTIONS,
        var: { type: 'string', multiple: true, short: 'v' },
        description: { type: 'string', short: 'd' },
        document: { type: 'string' },
      });
      if (values.help) return help(io);
      const common = { url: values.url, key: values.key, json: values.json };
      switch (sub) {
        case 'list':
        case 'ls':
          if (positionals.length > 0) throw new CliError(EXIT.USAGE, `unexpected argument ${JSON.stringify(positionals[0])}`);
          return listQueries(common, io);
        case 'show':
        case 'get':
          return showQuery({ ...common, name: one(positionals, 'saved-query name') }, io);
        case 'save':
        case 'put': {
          const name = one(positionals, 'saved-query name', 2);
          return saveQuery({ ...common, name, file: positionals[1], document: values.document, description: values.description, vars: values.var ?? [] }, io);
        }
        case 'delete':
        case 'rm':
          return deleteQuery({ ...common, name: one(positionals, 'saved-query name') }, io);
        default:
          throw new CliError(EXIT.USAGE, sub ? `unknown command "queries ${sub}"` : 'queries needs a command: list, show, save, delete');
      }
    }
    case 'documents': {
      const [sub, ...args] = rest;
      const { values, positionals } = parse(args, { ...GATEWAY_OPTIONS, app: { type: 'string' } });
      if (values.help) return help(io);
      const common = { url: values.url, key: values.key, json: values.json };
      switch (sub) {
        case 'publish':
          return publishDocuments({ ...common, file: one(positionals, 'manifest file'), app: values.app }, io);
        case 'check':
          if (positionals.length > 0) throw new CliError(EXIT.USAGE, `unexpected argument ${JSON.stringify(positionals[0])}`);
          return checkDocuments(common, io);
        default:
          throw new CliError(EXIT.USAGE, sub ? `unknown command "documents ${sub}"` : 'documents needs a command: publish, check');
      }
    }
    case 'schedule': {
      const [sub, ...args] = rest;
      const { values, positionals } = parse(args, {
        ...GATEWAY_OPTIONS,
        cron: { type: 'string' },
        var: { type: 'string', multiple: true, short: 'v' },
        webhook: { type: 'string' },
        secret: { type: 'string' },
        'keep-count': { type: 'string' },
        'keep-days': { type: 'string' },
      });
      if (values.help) return help(io);
      const common = { url: values.url, key: values.key, json: values.json, name: one(positionals, 'saved-query name') };
      switch (sub) {
        case 'set':
          return setSchedule(
            { ...common, cron: values.cron, vars: values.var ?? [], webhook: values.webhook, secret: values.secret, keepCount: values['keep-count'], keepDays: values['keep-days'] },
            io,
          );
        case 'show':
          return showSchedule(common, io);
        case 'delete':
        case 'rm':
          return deleteSchedule(common, io);
        default:
          throw new CliError(EXIT.USAGE, sub ? `unknown command "schedule ${sub}"` : 'schedule needs a command: set, show, delete');
      }
    }
    case 'runs':
    case 'changes': {
      const { values, positionals } = parse(rest, { ...GATEWAY_OPTIONS, format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, since: { type: 'string' } });
      if (values.help) return help(io);
      const name = one(positionals, 'saved-query name', 2);
      const common = { url: values.url, key: values.key, json: values.json, name, format: values.format, output: values.output };
      const io2 = { ...io, stdoutIsTTY: Boolean((io.stdout as { isTTY?: boolean }).isTTY) };
      if (command === 'runs') return positionals[1] ? showRun({ ...common, run: positionals[1] }, io2) : listRuns(common, io2);
      if (!positionals[1]) throw new CliError(EXIT.USAGE, 'changes needs a run id: dataex changes <name> <run> [--since <run>]');
      return showChanges({ ...common, run: positionals[1], since: values.since }, io2);
    }
    case 'keys': {
      const [sub, ...args] = rest;
      const { values, positionals } = parse(args, {
        'data-dir': { type: 'string' },
        principal: { type: 'string', short: 'p' },
        role: { type: 'string', short: 'r' },
        label: { type: 'string', short: 'l' },
        'max-level': { type: 'string' },
        'max-grade': { type: 'string' },
        'personal-info': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      });
      if (values.help) return help(io);
      const dataDir = values['data-dir'];
      switch (sub) {
        case 'create':
          if (positionals.length > 0) throw new CliError(EXIT.USAGE, `unexpected argument ${JSON.stringify(positionals[0])}`);
          return createKey(
            {
              dataDir,
              principal: values.principal,
              role: values.role,
              label: values.label,
              maxLevel: values['max-level'],
              maxGrade: values['max-grade'],
              personalInfo: values['personal-info'],
              json: values.json,
            },
            io,
          );
        case 'list':
        case 'ls':
          return listKeys({ dataDir, json: values.json }, io);
        case 'revoke':
          return revokeKey({ dataDir, keyId: one(positionals, 'key id') }, io);
        default:
          throw new CliError(EXIT.USAGE, sub ? `unknown command "keys ${sub}"` : 'keys needs a command: create, list, revoke');
      }
    }
    default:
      throw new CliError(EXIT.USAGE, `unknown command "${command}"`);
  }
}

function help(io: CliIo): ExitCode {
  io.stdout.write(USAGE);
  return EXIT.OK;
}

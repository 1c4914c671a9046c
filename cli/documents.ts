// `dataex documents publish|check`: an app's persisted-documents manifest (GraphQL Code
// Generator's client preset, hashAlgorithm 'sha256') published to the gateway as trusted
// documents, and every published document checked against the schema the gateway serves now.

import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { call, CliError, connection, errorFromReply, jsonReply } from './client.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

interface Io {
  stdout: Writable;
  stderr: Writable;
}

interface Common {
  url?: string;
  key?: string;
  json: boolean;
}

export async function publishDocuments(opts: Common & { file: string; app: string | undefined }, io: Io): Promise<ExitCode> {
  if (!opts.app) throw new CliError(EXIT.USAGE, 'documents publish needs --app <name>');
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(opts.file, 'utf8'));
  } catch (e) {
    throw new CliError(EXIT.USAGE, `cannot read the manifest ${opts.file}: ${(e as Error).message}`);
  }
  const res = await call(connection(opts), `/admin/documents/${encodeURIComponent(opts.app)}`, { method: 'PUT', body: manifest });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw errorFromReply(res.statusCode, text);
  const reply = JSON.parse(text) as { app: string; published: number; added: number; unchanged: number; documentIds: string[] };
  if (opts.json) io.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
  io.stderr.write(`published ${reply.published} documents of app ${reply.app}: ${reply.added} new, ${reply.unchanged} already published\n`);
  return EXIT.OK;
}

export async function checkDocuments(opts: Common, io: Io): Promise<ExitCode> {
  const reply = await jsonReply<{ ok: boolean; checked: number; invalid: Array<{ id: string; errors: Array<{ message: string; extensions?: { code?: string } }> }> }>(
    await call(connection(opts), '/admin/documents/check'),
  );
  if (opts.json) io.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
  else for (const d of reply.invalid) io.stdout.write(`${d.id}\n${d.errors.map((e) => `  ${e.extensions?.code ?? 'ERROR'}: ${e.message}\n`).join('')}`);
  if (reply.ok) {
    io.stderr.write(`all ${reply.checked} published documents validate\n`);
    return EXIT.OK;
  }
  io.stderr.write(`${reply.invalid.length} of ${reply.checked} published documents no longer validate against the schema or the query limits\n`);
  return EXIT.REFUSED;
}

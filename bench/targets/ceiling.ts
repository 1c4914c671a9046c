// Bench target: the ceiling, a bare node:http server answering each request with the bytes the
// reference gateway answered it with (CEILING_ANSWERS_FILE: [[request body, answer], …], for
// fixed request lists), else with one fixed answer (CEILING_BODY_FILE). It reads the whole
// request body first, as any real server must, and looks its answer up by it: the least a
// server returning the right bytes for each request can do.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const fallback = readFileSync(process.env.CEILING_BODY_FILE!);
const answers = new Map<string, Buffer>(
  process.env.CEILING_ANSWERS_FILE ? (JSON.parse(readFileSync(process.env.CEILING_ANSWERS_FILE, 'utf8')) as Array<[string, string]>).map(([request, answer]) => [request, Buffer.from(answer)]) : [],
);
const contentType = process.env.CEILING_CONTENT_TYPE ?? 'application/json; charset=utf-8';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = answers.size === 0 ? fallback : (answers.get((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString()) ?? fallback);
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}/graphql`, answers: answers.size }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// Bench target: the ceiling, a bare node:http server answering every request with fixed bytes
// (the same bytes the gateway serves for the benchmarked operation). It reads the request
// body first, as any real server must.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const body = readFileSync(process.env.CEILING_BODY_FILE!);
const contentType = process.env.CEILING_CONTENT_TYPE ?? 'application/json; charset=utf-8';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}/graphql` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

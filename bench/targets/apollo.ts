// Bench target: vanilla Apollo Gateway — @apollo/gateway + @apollo/server (the versions dataex
// uses), no plugins, the default fetcher, startStandaloneServer. Serves the supergraph file
// BENCH_SUPERGRAPH (subgraph URLs already pointing at the bench's subgraphs).

import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway } from '@apollo/gateway';

const supergraphSdl = readFileSync(process.env.BENCH_SUPERGRAPH!, 'utf8');
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
console.log(JSON.stringify({ ready: true, url: new URL('/graphql', url).href }));
process.on('SIGTERM', () => void server.stop().finally(() => process.exit(0)));

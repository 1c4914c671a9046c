// The deployment files, rendered whole from the exchange list (subgraphs/exchanges.ts) by
// `npm run generate`: docker-compose.yml and deploy/k8s/{configmap,simulators,subgraphs}.yaml.
// Their per-upstream and per-subgraph parts (simulator services, subgraph services, upstream
// URLs, DATAEX_SUBGRAPH_URLS, the catalog's dependencies) come from UPSTREAMS and SUBGRAPHS; the
// rest is the text below. Edit the templates here, not the files: test/unit/generated.test.ts
// fails when a committed file differs from what this renders. The other manifests (gateway,
// redis, secret, namespace) name no exchange and are written by hand; supergraph.yaml is
// written by schema/compose.ts.

import { CATALOG, EXCHANGES, SUBGRAPHS, UPSTREAMS } from '../subgraphs/exchanges.ts';
import type { GeneratedFile } from './generated-file.ts';

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/** 4 → `four`, for the prose of the comments. */
const count = (n: number): string => NUMBER_WORDS[n] ?? String(n);

/** The variable of an upstream's URL (lib/config.ts reads it): DATAEX_BEIJING_URL. */
const urlVariable = (upstream: string): string => `DATAEX_${upstream.toUpperCase()}_URL`;

/** Where the deployments reach an upstream's simulator: its service `sim-<name>` on its port. */
const simulatorUrl = (u: { name: string; simulatorPort: number }): string => `http://sim-${u.name}:${u.simulatorPort}`;

/** `catalog=http://catalog:4001/graphql,…`: every subgraph by its service name. */
const subgraphUrls = (): string => SUBGRAPHS.map((s) => `${s.name}=http://${s.name}:${s.port}/graphql`).join(',');

const lines = (parts: readonly string[]): string => parts.join('\n');

// ── docker-compose.yml ──────────────────────────────────────────────────────────────────────

function composeSimulator(u: { name: string; simulatorPort: number }): string {
  const port = u.simulatorPort;
  return lines([
    `  sim-${u.name}:`,
    '    <<: *dataex',
    `    command: ["node", "simulators/main.ts", "${u.name}"]`,
    `    environment: { DATAEX_SIM_HOST: 0.0.0.0, DATAEX_SIM_LATENCY_MS: "20", HEALTH_PORT: "${port}" }`,
    `    healthcheck: { test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:${port}/__sim/stats').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"], interval: 10s, timeout: 3s, retries: 5 }`,
  ]);
}

function composeSubgraph(s: { name: string; port: number }, dependsOn: readonly string[]): string {
  return lines([
    `  ${s.name}:`,
    '    <<: *dataex',
    `    command: ["node", "subgraphs/main.ts", "${s.name}"]`,
    `    environment: { <<: *env, HEALTH_PORT: "${s.port}" }`,
    `    depends_on: { ${['redis', ...dependsOn].map((d) => `${d}: { condition: service_healthy }`).join(', ')} }`,
  ]);
}

export function renderDockerCompose(): string {
  return `# dataex in its production shape: Redis, the ${count(UPSTREAMS.length)} upstream simulators, the ${count(SUBGRAPHS.length)} subgraphs and
# two stateless gateway replicas behind a load balancer, one process per service.
# \`cp .env.example .env\`, put a secret in it (\`openssl rand -base64 32\`), then
# \`docker compose up --build\` and http://localhost:4000/ . Point DATAEX_*_URL at the real
# exchanges instead of the simulators to go live.
#
# DATAEX_SIGNING_SECRET signs the caller from the gateways to the subgraphs. It comes from the
# environment or from .env (compose reads it for \${…}; .env is git-ignored): compose refuses
# to start without it, and so would every gateway and subgraph (they listen on 0.0.0.0).

x-dataex: &dataex
  build: .
  image: dataex:latest
  restart: unless-stopped
  environment: &env
    DATAEX_HOST: 0.0.0.0
    DATAEX_REDIS_URL: redis://redis:6379
${lines(UPSTREAMS.map((u) => `    ${urlVariable(u.name)}: ${simulatorUrl(u)}`))}
    DATAEX_LOG_LEVEL: info
    DATAEX_SIGNING_SECRET: "\${DATAEX_SIGNING_SECRET:?is not set: cp .env.example .env and fill it in with openssl rand -base64 32}"

services:
  redis:
    image: redis:7-alpine
    command: ["redis-server", "--save", "", "--appendonly", "no"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 5s
      timeout: 2s
      retries: 10

${lines(UPSTREAMS.map(composeSimulator))}

${lines(SUBGRAPHS.map((s) => composeSubgraph(s, s.name === CATALOG.name ? EXCHANGES.map((e) => `sim-${e.id}`) : [])))}

  gateway-1: &gateway
    <<: *dataex
    command: ["node", "--min-semi-space-size=64", "--heap-growing-percent=200", "gateway/main.ts"]
    environment: &gateway-env
      <<: *env
      HEALTH_PORT: "4000"
      # The gateways sit behind exactly one proxy, nginx (lb), which appends the address it saw
      # to X-Forwarded-For ($proxy_add_x_forwarded_for): trust that one hop, so a client's own
      # X-Forwarded-For entries are ignored. Only nginx publishes a port.
      DATAEX_TRUST_PROXY: "1"
      DATAEX_SUBGRAPH_URLS: ${subgraphUrls()}
    volumes: ["dataex-data:/data"]
    depends_on: { redis: { condition: service_healthy }, catalog: { condition: service_healthy } }
  gateway-2:
    <<: *gateway

  lb:
    image: nginx:1.27-alpine
    volumes: ["./deploy/nginx.conf:/etc/nginx/nginx.conf:ro"]
    ports: ["4000:4000"]
    depends_on: { gateway-1: { condition: service_healthy }, gateway-2: { condition: service_healthy } }
    healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:4000/healthz"], interval: 10s, timeout: 3s, retries: 5 }

volumes:
  dataex-data:
`;
}

// ── deploy/k8s ──────────────────────────────────────────────────────────────────────────────

export function renderK8sConfigMap(): string {
  return `# Shared configuration. The supergraph lives in its own ConfigMap (supergraph.yaml), mounted
# as a file: the gateway reloads it when it changes, without a restart.
apiVersion: v1
kind: ConfigMap
metadata:
  name: dataex-config
  namespace: dataex
data:
  DATAEX_HOST: "0.0.0.0"
  DATAEX_REDIS_URL: "redis://redis:6379"
  DATAEX_SUPERGRAPH: "/etc/dataex/supergraph.graphql"
  DATAEX_SUBGRAPH_URLS: "${subgraphUrls()}"
${lines(UPSTREAMS.map((u) => `  ${urlVariable(u.name)}: "${simulatorUrl(u)}"`))}
  DATAEX_PLAYGROUND: "false"
  DATAEX_LOG_LEVEL: "info"
`;
}

function k8sSimulator(u: { name: string; simulatorPort: number }): string {
  const name = `sim-${u.name}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: dataex
  labels: { app: ${name} }
spec:
  replicas: 1
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 1000 }
      containers:
        - name: ${name}
          image: dataex:latest
          command: ["node", "simulators/main.ts", "${u.name}"]
          env:
            - { name: DATAEX_SIM_HOST, value: "0.0.0.0" }
            - { name: DATAEX_SIM_LATENCY_MS, value: "20" }
          ports: [{ name: http, containerPort: ${u.simulatorPort} }]
          readinessProbe:
            httpGet: { path: /__sim/stats, port: http }
            periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: dataex
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: ${u.simulatorPort}, targetPort: http }]
`;
}

export function renderK8sSimulators(): string {
  return `# The upstream simulators, for a demo cluster. Against the real exchanges, delete these and point
# DATAEX_*_URL in configmap.yaml at them.
${UPSTREAMS.map(k8sSimulator).join('---\n')}`;
}

function k8sSubgraph(s: { name: string; port: number }): string {
  // The catalog harvests (one replica is enough); the others answer the gateway's fetches.
  const replicas = s.name === CATALOG.name ? 1 : 2;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${s.name}
  namespace: dataex
  labels: { app: ${s.name} }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${s.name} }
  template:
    metadata:
      labels: { app: ${s.name} }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 1000 }
      containers:
        - name: ${s.name}
          image: dataex:latest
          command: ["node", "subgraphs/main.ts", "${s.name}"]
          ports: [{ name: http, containerPort: ${s.port} }]
          envFrom:
            - configMapRef: { name: dataex-config }
            - secretRef: { name: dataex-secrets }
          env:
            # Required: the pod does not start until the Secret has this key (deploy/k8s/secret.yaml).
            - name: DATAEX_SIGNING_SECRET
              valueFrom: { secretKeyRef: { name: dataex-secrets, key: DATAEX_SIGNING_SECRET } }
          resources:
            requests: { cpu: 250m, memory: 256Mi }
            limits: { cpu: "1", memory: 1Gi }
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
---
apiVersion: v1
kind: Service
metadata:
  name: ${s.name}
  namespace: dataex
spec:
  selector: { app: ${s.name} }
  ports: [{ name: http, port: ${s.port}, targetPort: http }]
`;
}

export function renderK8sSubgraphs(): string {
  return `# One Deployment and Service per subgraph (the catalog harvests, so one replica is enough).
${SUBGRAPHS.map(k8sSubgraph).join('---\n')}`;
}

/** The writer `npm run generate` runs (schema/generate.ts GENERATORS). */
export function deployFiles(): GeneratedFile[] {
  return [
    { path: 'docker-compose.yml', content: GENERATED_HEADER + renderDockerCompose() },
    { path: 'deploy/k8s/configmap.yaml', content: GENERATED_HEADER + renderK8sConfigMap() },
    { path: 'deploy/k8s/simulators.yaml', content: GENERATED_HEADER + renderK8sSimulators() },
    { path: 'deploy/k8s/subgraphs.yaml', content: GENERATED_HEADER + renderK8sSubgraphs() },
  ];
}

/** First line of each file: where to make a change (a hand edit fails the suite and is overwritten). */
const GENERATED_HEADER = '# Written by `npm run generate` from subgraphs/exchanges.ts and schema/deploy-files.ts: edit those.\n';

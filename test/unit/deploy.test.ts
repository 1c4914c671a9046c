// No Docker engine or Kubernetes runs here: the compose file and the manifests are checked for
// structure (services, ports, environment wiring, health checks) against what the code
// actually reads, so they cannot drift from it unnoticed.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES } from '../../lib/config.ts';
import { CATALOG, EXCHANGES, REGISTRY, SUBGRAPHS, UPSTREAMS } from '../../subgraphs/exchanges.ts';
import { composeSupergraph, K8S_SUPERGRAPH } from '../../schema/compose.ts';
import { deployFiles } from '../../schema/deploy-files.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const KNOWN = new Set([...CONFIG_VARIABLES.map((v) => v.name), 'DATAEX_SIM_HOST', 'DATAEX_SIM_LATENCY_MS', 'HEALTH_PORT', 'NODE_ENV']);

describe('docker-compose.yml', () => {
  // Compose files use YAML merge keys (<<: *anchor), as docker compose resolves them.
  const compose = parse(read('docker-compose.yml'), { merge: true });
  const services = compose.services as Record<string, any>;

  it('runs Redis, the four simulators, the five subgraphs, two gateway replicas and a load balancer', () => {
    const names = Object.keys(services).sort();
    expect(names).toEqual(['redis', 'lb', 'gateway-1', 'gateway-2', ...SUBGRAPHS.map((s) => s.name), ...[...EXCHANGES.map((e) => e.id), 'registry'].map((n) => `sim-${n}`)].sort());
    expect(services.lb.ports).toEqual(['4000:4000']);
  });

  it('gives every dataex service a command the image has, known variables and a health check', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'redis' || name === 'lb') {
        expect(svc.healthcheck?.test, name).toBeDefined();
        continue;
      }
      expect(svc.command[0], name).toBe('node');
      // Node flags may come first (the gateways' do), then the entry point.
      expect(
        svc.command.slice(1).find((arg: string) => !arg.startsWith('-')),
        name,
      ).toMatch(/^(gateway|subgraphs|simulators)\/main\.ts$/);
      for (const key of Object.keys(svc.environment ?? {})) expect(KNOWN.has(key), `${name}: unknown variable ${key}`).toBe(true);
      // The image's HEALTHCHECK probes HEALTH_PORT/healthz; simulators define their own.
      if (name.startsWith('sim-')) expect(svc.healthcheck?.test?.join(' ')).toContain('/__sim/stats');
      else expect(svc.environment.HEALTH_PORT, name).toBeDefined();
    }
  });

  it('wires each subgraph to its upstream and the gateways to every subgraph and Redis', () => {
    for (const sub of SUBGRAPHS) {
      const env = services[sub.name].environment;
      expect(env.DATAEX_REDIS_URL).toBe('redis://redis:6379');
      expect(env.DATAEX_HOST).toBe('0.0.0.0');
      expect(Number(env.HEALTH_PORT)).toBe(sub.port);
    }
    for (const ex of EXCHANGES) expect(services.catalog.environment[`DATAEX_${ex.id.toUpperCase()}_URL`]).toBe(`http://sim-${ex.id}:${ex.simulatorPort}`);
    expect(services.registry.environment.DATAEX_REGISTRY_URL).toBe(`http://sim-registry:${REGISTRY.simulatorPort}`);
    for (const gw of ['gateway-1', 'gateway-2']) {
      const urls = Object.fromEntries(
        String(services[gw].environment.DATAEX_SUBGRAPH_URLS)
          .split(',')
          .map((e) => e.split('=')),
      );
      expect(urls).toEqual(Object.fromEntries(SUBGRAPHS.map((s) => [s.name, `http://${s.name}:${s.port}/graphql`])));
      expect(services[gw].depends_on.catalog.condition).toBe('service_healthy');
    }
    const nginx = read('deploy/nginx.conf');
    expect(nginx).toContain('server gateway-1:4000');
    expect(nginx).toContain('server gateway-2:4000');
  });

  it('gives every gateway and subgraph the signing secret from the environment or .env, never a literal', () => {
    // `${VAR:?message}`: compose refuses to start when it is unset or empty (it reads .env itself).
    const interpolated = /^\$\{DATAEX_SIGNING_SECRET:\?[^}]*openssl rand -base64 32[^}]*\}$/;
    for (const name of ['gateway-1', 'gateway-2', ...SUBGRAPHS.map((s) => s.name)]) {
      expect(services[name].environment.DATAEX_SIGNING_SECRET, name).toMatch(interpolated);
    }
    // Simulators verify nothing: they get no secret.
    for (const [name, svc] of Object.entries(services)) {
      if (name.startsWith('sim-') || name === 'redis' || name === 'lb') expect(svc.environment?.DATAEX_SIGNING_SECRET, name).toBeUndefined();
    }
    const example = read('.env.example');
    expect(example).toMatch(/^DATAEX_SIGNING_SECRET=$/m);
    expect(example).toContain('openssl rand -base64 32');
    expect(
      read('.gitignore')
        .split('\n')
        .map((l) => l.trim()),
    ).toContain('.env');
  });

  it('trusts exactly one proxy hop (nginx, which appends the peer to X-Forwarded-For) at the gateways only', () => {
    for (const gw of ['gateway-1', 'gateway-2']) expect(services[gw].environment.DATAEX_TRUST_PROXY, gw).toBe('1');
    for (const sub of SUBGRAPHS) expect(services[sub.name].environment.DATAEX_TRUST_PROXY, sub.name).toBeUndefined();
    expect(read('deploy/nginx.conf')).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
  });

  it('has, for every entry of the exchange list and the registry, its simulator and its subgraph, wired to each other', () => {
    for (const u of UPSTREAMS) {
      const sim = services[`sim-${u.name}`];
      expect(sim, `sim-${u.name}`).toBeDefined();
      expect(sim.command, u.name).toEqual(['node', 'simulators/main.ts', u.name]);
      expect(sim.environment.HEALTH_PORT, u.name).toBe(String(u.simulatorPort));
      expect(sim.healthcheck.test.join(' '), u.name).toContain(`http://127.0.0.1:${u.simulatorPort}/__sim/stats`);
      // The shared environment (every subgraph's) points at it.
      for (const sub of SUBGRAPHS) expect(services[sub.name].environment[`DATAEX_${u.name.toUpperCase()}_URL`], `${sub.name} → ${u.name}`).toBe(`http://sim-${u.name}:${u.simulatorPort}`);
    }
    for (const sub of SUBGRAPHS) {
      expect(services[sub.name], sub.name).toBeDefined();
      expect(services[sub.name].command, sub.name).toEqual(['node', 'subgraphs/main.ts', sub.name]);
      expect(services[sub.name].depends_on.redis.condition, sub.name).toBe('service_healthy');
    }
    // The catalog harvests every exchange at start-up: it waits for their simulators.
    for (const ex of EXCHANGES) expect(services[CATALOG.name].depends_on[`sim-${ex.id}`]?.condition, ex.id).toBe('service_healthy');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('is multi-stage, non-root, production dependencies only, the sources run as they are, with a health check', () => {
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages;
    // The console is built in the build stage, with the devDependencies it needs.
    expect(build).toMatch(/^RUN npm ci --ignore-scripts/m);
    expect(build).toMatch(/^RUN node gateway\/playground\/build\.ts$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev --ignore-scripts/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist\/console \.\/dist\/console$/m);
    // No compile step: Node 24 strips the types of the sources the tests run.
    expect(dockerfile).not.toMatch(/\btsc\b/);
    expect(existsSync(new URL('tsconfig.build.json', root))).toBe(false);
    for (const m of runtime.matchAll(/^COPY (?!--from)(\S+(?: \S+)*) \S+$/gm)) {
      for (const src of m[1].split(' ')) expect(existsSync(new URL(src, root)), src).toBe(true);
    }
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).toMatch(/ln -s \/app\/bin\/dataex\.mjs \/usr\/local\/bin\/dataex/);
  });

  it('builds and runs on the Node major of .nvmrc (24), slim Debian, in every stage', () => {
    const major = read('.nvmrc').trim();
    expect(major).toBe('24');
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toBe(`node:${major}-bookworm-slim`);
  });

  it('has a .dockerignore keeping host installs, builds, state, secrets, logs and .git out of the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const entry of ['node_modules', '**/node_modules', 'data', 'dist', '.git', 'test-output', '*.log', '.env', 'test', 'bench']) expect(ignored, entry).toContain(entry);
    // The build context still carries what the image builds from.
    for (const needed of ['package.json', 'package-lock.json', 'bin', 'cli', 'gateway', 'lib', 'queries', 'schema', 'simulators', 'subgraphs', 'start.ts']) expect(ignored).not.toContain(needed);
  });

  it('runs the gateway with the same Node flags as the npm start scripts (and so the benchmark)', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    const flagsOf = (script: string) =>
      script
        .split(/\s+/)
        .slice(1)
        .filter((w) => w.startsWith('-'));
    const gatewayFlags = flagsOf(scripts['start:gateway']);
    expect(gatewayFlags).toEqual(['--max-semi-space-size=64', '--min-semi-space-size=64', '--heap-growing-percent=200']);
    expect(flagsOf(scripts.start)).toEqual(gatewayFlags);
    // Node exits 9 on a flag it or V8 does not know (a typo, a flag a newer V8 dropped).
    expect(spawnSync(process.execPath, [...gatewayFlags, '-e', '0']).status).toBe(0);
    // NODE_OPTIONS (every process of the image) may carry only some V8 flags; Node refuses to
    // start on the others, so the gateway's commands carry those.
    const imageFlags = /NODE_OPTIONS=(\S+)/.exec(dockerfile)?.[1].split(' ') ?? [];
    expect(spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_OPTIONS: imageFlags.join(' ') } }).status).toBe(0);
    const commandFlags = (command: string[]) => command.slice(1).filter((arg) => arg.startsWith('-'));
    const compose = parse(read('docker-compose.yml'), { merge: true }).services as Record<string, { command: string[] }>;
    const k8sGateway = parseAllDocuments(read('deploy/k8s/gateway.yaml'))
      .map((d) => d.toJS())
      .find((d) => d?.kind === 'Deployment');
    const gatewayCommands: Record<string, string[]> = {
      'Dockerfile CMD': JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]),
      'compose gateway-1': compose['gateway-1'].command,
      'compose gateway-2': compose['gateway-2'].command,
      'k8s gateway': k8sGateway.spec.template.spec.containers[0].command,
    };
    for (const [where, command] of Object.entries(gatewayCommands)) {
      expect([...imageFlags, ...commandFlags(command)].sort(), where).toEqual([...gatewayFlags].sort());
    }
  });
});

describe('Kubernetes manifests', () => {
  const docs = readdirSync(new URL('deploy/k8s/', root))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => ({ file: f, doc: d.toJS() })));
  const of = (kind: string) => docs.filter((d) => d.doc?.kind === kind).map((d) => d.doc);

  it('parse, and every object sits in the dataex namespace', () => {
    expect(docs.length).toBeGreaterThan(10);
    for (const { file, doc } of docs) {
      expect(doc.apiVersion, file).toBeDefined();
      if (doc.kind !== 'Namespace') expect(doc.metadata.namespace, `${file} ${doc.kind}`).toBe('dataex');
    }
  });

  it('has a Deployment and a Service for the gateway and each subgraph, with probes', () => {
    const deployments = new Map(of('Deployment').map((d) => [d.metadata.name, d]));
    const services = new Map(of('Service').map((s) => [s.metadata.name, s]));
    for (const name of ['gateway', ...SUBGRAPHS.map((s) => s.name)]) {
      const d = deployments.get(name);
      expect(d, name).toBeDefined();
      expect(services.get(name)?.spec.selector).toEqual(d.spec.selector.matchLabels);
      const c = d.spec.template.spec.containers[0];
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
    const port = (n: string) => services.get(n).spec.ports[0].port;
    for (const s of SUBGRAPHS) expect(port(s.name)).toBe(s.port);
  });

  it('has a simulator Deployment and Service for every entry of the exchange list and the registry, on its port', () => {
    const simulators = docs.filter((d) => d.file === 'simulators.yaml').map((d) => d.doc);
    const deployments = new Map(simulators.filter((d) => d.kind === 'Deployment').map((d) => [d.metadata.name, d]));
    const services = new Map(simulators.filter((d) => d.kind === 'Service').map((s) => [s.metadata.name, s]));
    expect([...deployments.keys()]).toEqual(UPSTREAMS.map((u) => `sim-${u.name}`));
    expect([...services.keys()]).toEqual(UPSTREAMS.map((u) => `sim-${u.name}`));
    for (const u of UPSTREAMS) {
      const name = `sim-${u.name}`;
      const d = deployments.get(name);
      expect(services.get(name).spec.selector, name).toEqual(d.spec.selector.matchLabels);
      const c = d.spec.template.spec.containers[0];
      expect(c.command, name).toEqual(['node', 'simulators/main.ts', u.name]);
      expect(c.ports[0].containerPort, name).toBe(u.simulatorPort);
      expect(c.readinessProbe.httpGet.path, name).toBe('/__sim/stats');
      expect(services.get(name).spec.ports[0].port, name).toBe(u.simulatorPort);
      for (const e of c.env) expect(KNOWN.has(e.name), `${name}: unknown variable ${e.name}`).toBe(true);
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it('runs each subgraph Deployment on its own name and port, and points the shared configuration at every subgraph and simulator', () => {
    const deployments = new Map(of('Deployment').map((d) => [d.metadata.name, d]));
    expect(docs.filter((d) => d.file === 'subgraphs.yaml' && d.doc?.kind === 'Deployment').map((d) => d.doc.metadata.name)).toEqual(SUBGRAPHS.map((s) => s.name));
    for (const s of SUBGRAPHS) {
      const c = deployments.get(s.name).spec.template.spec.containers[0];
      expect(c.command, s.name).toEqual(['node', 'subgraphs/main.ts', s.name]);
      expect(c.ports[0].containerPort, s.name).toBe(s.port);
    }
    const config = of('ConfigMap').find((c) => c.metadata.name === 'dataex-config').data;
    for (const u of UPSTREAMS) expect(config[`DATAEX_${u.name.toUpperCase()}_URL`], u.name).toBe(`http://sim-${u.name}:${u.simulatorPort}`);
    const urls = Object.fromEntries(
      String(config.DATAEX_SUBGRAPH_URLS)
        .split(',')
        .map((e) => e.split('=')),
    );
    expect(urls).toEqual(Object.fromEntries(SUBGRAPHS.map((s) => [s.name, `http://${s.name}:${s.port}/graphql`])));
  });

  it('pauses the gateway in preStop, within its termination grace period, before SIGTERM', () => {
    const gateway = of('Deployment').find((d) => d.metadata.name === 'gateway');
    const c = gateway.spec.template.spec.containers[0];
    const command: string[] = c.lifecycle?.preStop?.exec?.command ?? [];
    expect(command[0]).toBe('sleep');
    const pauseS = Number(command[1]);
    expect(pauseS).toBeGreaterThan(0);
    // The pause, then the drain (requests in flight finish within 5 s), fit the grace period.
    expect(gateway.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(pauseS + 5);
  });

  it('gives every gateway and subgraph Deployment the signing secret from the Secret, which commits no value', () => {
    const deployments = new Map(of('Deployment').map((d) => [d.metadata.name, d]));
    for (const name of ['gateway', ...SUBGRAPHS.map((s) => s.name)]) {
      const env = deployments.get(name).spec.template.spec.containers[0].env ?? [];
      const secret = env.find((e: any) => e.name === 'DATAEX_SIGNING_SECRET');
      expect(secret?.valueFrom?.secretKeyRef, name).toEqual({ name: 'dataex-secrets', key: 'DATAEX_SIGNING_SECRET' });
      expect(secret.value, name).toBeUndefined();
    }
    const secrets = of('Secret').filter((s) => s.metadata.name === 'dataex-secrets');
    expect(secrets).toHaveLength(1);
    for (const s of of('Secret')) {
      for (const field of ['data', 'stringData'])
        expect(
          Object.values(s[field] ?? {}).filter((v) => v !== '' && v !== null),
          `${s.metadata.name}.${field}`,
        ).toEqual([]);
    }
    for (const c of of('ConfigMap')) expect(c.data?.DATAEX_SIGNING_SECRET, c.metadata.name).toBeUndefined();
  });

  it('trusts one proxy hop (the ingress) at the gateway only', () => {
    const deployments = of('Deployment');
    const trustOf = (d: any) => (d.spec.template.spec.containers[0].env ?? []).find((e: any) => e.name === 'DATAEX_TRUST_PROXY')?.value;
    expect(trustOf(deployments.find((d) => d.metadata.name === 'gateway'))).toBe('1');
    for (const s of SUBGRAPHS) expect(trustOf(deployments.find((d) => d.metadata.name === s.name)), s.name).toBeUndefined();
    for (const c of of('ConfigMap')) expect(c.data?.DATAEX_TRUST_PROXY, c.metadata.name).toBeUndefined();
  });

  it('scales the gateway with an HPA and serves the supergraph from a ConfigMap kept in step', () => {
    const hpa = of('HorizontalPodAutoscaler')[0];
    expect(hpa.spec.scaleTargetRef.name).toBe('gateway');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const config = of('ConfigMap').find((c) => c.metadata.name === 'dataex-config').data;
    for (const key of Object.keys(config)) expect(KNOWN.has(key), `configmap: unknown ${key}`).toBe(true);
    expect(config.DATAEX_SUPERGRAPH).toBe('/etc/dataex/supergraph.graphql');
    const gateway = of('Deployment').find((d) => d.metadata.name === 'gateway');
    expect(gateway.spec.template.spec.containers[0].volumeMounts[0].mountPath).toBe('/etc/dataex');
    expect(readFileSync(K8S_SUPERGRAPH, 'utf8')).toBe(composeSupergraph().k8sConfigMap);
  });
});

describe('deployment files from the exchange list', () => {
  it('are written by `npm run generate` (schema/deploy-files.ts), so an exchange added to the list gets its services', () => {
    // test/unit/generated.test.ts fails when a committed file differs from what the writer renders.
    const files = new Map(deployFiles().map((f) => [f.path, f.content]));
    expect([...files.keys()].sort()).toEqual(['deploy/k8s/configmap.yaml', 'deploy/k8s/simulators.yaml', 'deploy/k8s/subgraphs.yaml', 'docker-compose.yml']);
    for (const [path, content] of files) expect(read(path), path).toBe(content);
  });
});

describe('no committed signing secret', () => {
  it('assigns DATAEX_SIGNING_SECRET no literal value in any deployment file', () => {
    const files = ['docker-compose.yml', 'Dockerfile', '.env.example', 'deploy/nginx.conf', ...readdirSync(new URL('deploy/k8s/', root)).map((f) => `deploy/k8s/${f}`)];
    // `NAME: value`, `NAME=value`: any value that is not empty or a reference (${…}, $(…)) is a
    // committed secret (k8s `value:` entries are checked structurally above).
    const literal = /(?<!\$\{)DATAEX_SIGNING_SECRET["']?[ \t]*[:=][ \t]*["']?(?![\s"'$]|$)([^\s"'#]+)/gm;
    for (const file of files) {
      const text = read(file);
      expect(
        [...text.matchAll(literal)].map((m) => m[0]),
        file,
      ).toEqual([]);
    }
    expect(existsSync(new URL('.env', root)) && spawnSync('git', ['ls-files', '--error-unmatch', '.env'], { cwd: root }).status === 0).toBe(false);
  });
});

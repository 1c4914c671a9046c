// The exchange list (subgraphs/exchanges.ts) is the unit of extension: each entry is well
// formed, has its folder, and everything derived from it is there for every exchange — its
// configuration variables (ports, upstream URL, credentials, simulator port) with the list's
// defaults, the credentials loadConfig hands its adapter, and the development credentials the
// bundled simulator accepts. A new entry without its pieces fails here, naming what is missing.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, EXCHANGES, REGISTRY, SUBGRAPHS, UPSTREAMS, credentialVariable, variablePart } from '../../subgraphs/exchanges.ts';
import { CONFIG_VARIABLES, DEVELOPMENT_UPSTREAM_CREDENTIALS, loadConfig, simulatorPortVariable } from '../../lib/config.ts';
import { ROOT } from '../helpers/process.ts';

const variable = (name: string) => CONFIG_VARIABLES.find((v) => v.name === name);

describe('the exchange list', () => {
  it('has unique ids, ports and type names, none taken by the gateway, catalog or registry', () => {
    const ids = EXCHANGES.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const ports = [4000, CATALOG.subgraphPort, REGISTRY.subgraphPort, REGISTRY.simulatorPort, ...EXCHANGES.flatMap((e) => [e.subgraphPort, e.simulatorPort])];
    expect(new Set(ports).size).toBe(ports.length);
    for (const e of EXCHANGES) {
      expect(e.id).toMatch(/^[a-z]+$/);
      expect(e.typeName, e.id).toBe(`${e.label}Dataset`);
      expect(e.credentials.length, e.id).toBeGreaterThan(0);
    }
    expect(SUBGRAPHS.map((s) => s.name)).toEqual([CATALOG.name, ...ids, REGISTRY.name]);
    expect(UPSTREAMS.map((u) => u.name)).toEqual([...ids, REGISTRY.name]);
  });

  it("names each exchange's folder: its adapter and mapping, its simulator and its SDL", () => {
    for (const e of EXCHANGES) {
      for (const file of [`subgraphs/${e.id}/adapter.ts`, `subgraphs/${e.id}/mapping.ts`, `simulators/${e.id}.ts`, `schema/${e.id}.graphql`]) {
        expect(existsSync(join(ROOT, file)), file).toBe(true);
      }
    }
  });

  it("gives every upstream its configuration variables, with the list's defaults", () => {
    expect(variablePart('clientSecret')).toBe('CLIENT_SECRET');
    for (const e of EXCHANGES) {
      const ID = e.id.toUpperCase();
      expect(variable(`DATAEX_${ID}_PORT`)?.default, e.id).toBe(String(e.subgraphPort));
      expect(variable(`DATAEX_${ID}_URL`)?.description, e.id).toContain(`:${e.simulatorPort}`);
      expect(variable(simulatorPortVariable(e.id))?.docDefault, e.id).toBe(`\`${e.simulatorPort}\``);
    }
    for (const u of UPSTREAMS) for (const c of u.credentials) expect(variable(credentialVariable(u.name, c.key))?.description, `${u.name}.${c.key}`).toBe(c.description);
  });

  it("hands each adapter its credentials from its variables, and the simulator's where they are unset", () => {
    const env: NodeJS.ProcessEnv = {};
    for (const u of UPSTREAMS) for (const c of u.credentials) env[credentialVariable(u.name, c.key)] = `${u.name}-${c.key}-set`;
    const config = loadConfig(env);
    for (const u of UPSTREAMS) {
      for (const c of u.credentials) {
        expect(config.credentials[u.name]?.[c.key]).toBe(`${u.name}-${c.key}-set`);
        expect((DEVELOPMENT_UPSTREAM_CREDENTIALS as Record<string, Record<string, string>>)[u.name][c.key]).toBe(c.development);
      }
    }
    expect(loadConfig({}).credentials.beijing).toEqual({ appKey: undefined, appSecret: undefined });
    const ports = loadConfig({ [simulatorPortVariable(EXCHANGES[0].id)]: '4999' }).simulatorPorts;
    expect(ports).toEqual({ [EXCHANGES[0].id]: 4999 });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../lib/config.ts';

describe('configuration', () => {
  it('has an embedded default for everything needed to start', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.redisUrl).toBeUndefined();
    expect(config.subgraphPorts).toEqual({ catalog: 4001, beijing: 4002, shanghai: 4003, guiyang: 4004, registry: 4005 });
    expect(config.responseCache).toBe(true);
    expect(config.introspection).toBe(true);
  });

  it('refuses invalid values with a message naming the variable', () => {
    const cases: Record<string, string> = {
      DATAEX_PORT: '70000',
      DATAEX_REDIS_URL: 'not a url',
      DATAEX_SIM_SCALE: '-1',
      DATAEX_PLAYGROUND: 'maybe',
      DATAEX_HARVEST_INTERVAL_MS: '5s',
      DATAEX_SUBGRAPH_URLS: 'catalog',
      DATAEX_LOG_LEVEL: 'loud',
    };
    for (const [name, value] of Object.entries(cases)) {
      expect(() => loadConfig({ [name]: value }), name).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value }), name).toThrow(name);
    }
  });

  it('lets introspection follow the playground switch unless set separately', () => {
    expect(loadConfig({ DATAEX_PLAYGROUND: 'false' }).introspection).toBe(false);
    expect(loadConfig({ DATAEX_PLAYGROUND: 'false', DATAEX_INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  it('documents every variable in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = CONFIG_VARIABLES.map((v) => v.name).filter((name) => !readme.includes(name));
    expect(missing).toEqual([]);
  });
});

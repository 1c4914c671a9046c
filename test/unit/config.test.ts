import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, isLoopbackHost, loadConfig } from '../../lib/config.ts';
import { EXCHANGES } from '../../subgraphs/exchanges.ts';
import { DEVELOPMENT_SIGNING_SECRET, signingSecretOf } from '../../lib/principal-token.ts';

describe('configuration', () => {
  it('has an embedded default for everything needed to start', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.redisUrl).toBeUndefined();
    expect(config.subgraphPorts).toEqual({ catalog: 4001, beijing: 4002, shanghai: 4003, guiyang: 4004, ...Object.fromEntries(EXCHANGES.slice(3).map((e) => [e.id, e.subgraphPort])), registry: 4005 });
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

  it('documents every variable in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const missing = CONFIG_VARIABLES.map((v) => v.name).filter((name) => !doc.includes(name));
    expect(missing).toEqual([]);
  });

  describe('DATAEX_SIGNING_SECRET', () => {
    const strong = 'k3vP9Q2x7LwYc1RzT8bN4mA6sD0fG5hJ2uE9iO3pZ1w=';

    it('is required, explicitly, by a gateway or subgraph listening beyond loopback', () => {
      for (const host of ['0.0.0.0', '::', '10.1.2.3', 'gateway.internal']) {
        const config = loadConfig({ DATAEX_HOST: host });
        expect(() => signingSecretOf(config, 'gateway'), host).toThrow(ConfigError);
        expect(() => signingSecretOf(config, 'gateway'), host).toThrow(/DATAEX_SIGNING_SECRET/);
        expect(() => signingSecretOf(config, 'subgraph beijing'), host).toThrow(/openssl rand -base64 32/);
      }
      expect(signingSecretOf(loadConfig({ DATAEX_HOST: '0.0.0.0', DATAEX_SIGNING_SECRET: strong }), 'gateway')).toBe(strong);
    });

    it('refuses a short secret and the development default beyond loopback', () => {
      for (const secret of ['change-me-to-32-random-bytes', 'x'.repeat(31), DEVELOPMENT_SIGNING_SECRET]) {
        expect(() => loadConfig({ DATAEX_HOST: '0.0.0.0', DATAEX_SIGNING_SECRET: secret }), secret).toThrow(ConfigError);
        expect(() => loadConfig({ DATAEX_HOST: '0.0.0.0', DATAEX_SIGNING_SECRET: secret }), secret).toThrow(/DATAEX_SIGNING_SECRET/);
      }
      expect(loadConfig({ DATAEX_HOST: '0.0.0.0', DATAEX_SIGNING_SECRET: 'x'.repeat(32) }).signingSecret).toBe('x'.repeat(32));
    });

    it('keeps the embedded development default on loopback (npm start, one subgraph on a laptop)', () => {
      for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
        expect(isLoopbackHost(host), host).toBe(true);
        expect(signingSecretOf(loadConfig({ DATAEX_HOST: host }), 'gateway')).toBe(DEVELOPMENT_SIGNING_SECRET);
      }
      expect(signingSecretOf(loadConfig({}), 'gateway')).toBe(DEVELOPMENT_SIGNING_SECRET);
      expect(loadConfig({ DATAEX_SIGNING_SECRET: 'short' }).signingSecret).toBe('short');
      for (const host of ['0.0.0.0', '::', '', '192.168.1.10', 'example.com']) expect(isLoopbackHost(host), host).toBe(false);
    });
  });

  describe('DATAEX_TRUST_PROXY', () => {
    it('trusts nothing when unset', () => {
      expect(loadConfig({}).trustProxy).toBe(0);
    });

    it('takes a hop count or a list of addresses, CIDRs and proxy-addr names', () => {
      expect(loadConfig({ DATAEX_TRUST_PROXY: '1' }).trustProxy).toBe(1);
      expect(loadConfig({ DATAEX_TRUST_PROXY: '0' }).trustProxy).toBe(0);
      expect(loadConfig({ DATAEX_TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8 , 192.168.1.7' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
      expect(loadConfig({ DATAEX_TRUST_PROXY: 'linklocal,uniquelocal' }).trustProxy).toEqual(['linklocal', 'uniquelocal']);
    });

    it('refuses anything else, naming the variable', () => {
      for (const value of ['-1', '1.5', 'yes', '10.0.0.0/33', '300.1.1.1', 'loopback,nonsense', ',']) {
        expect(() => loadConfig({ DATAEX_TRUST_PROXY: value }), value).toThrow(ConfigError);
        expect(() => loadConfig({ DATAEX_TRUST_PROXY: value }), value).toThrow(/DATAEX_TRUST_PROXY/);
      }
    });
  });
});

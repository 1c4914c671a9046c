// Who is calling: the peer's address, or X-Forwarded-For only through trusted proxy hops
// (DATAEX_TRUST_PROXY), and the key an address is rate-limited under.

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, compileTrust, rateKeyAddress } from '../../lib/client-address.ts';
import { loadConfig } from '../../lib/config.ts';

const req = (peer: string | undefined, forwardedFor?: string): IncomingMessage =>
  ({ headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress: peer }, connection: { remoteAddress: peer } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the peer when nothing is trusted (the default), whatever X-Forwarded-For says', () => {
    const trust = loadConfig({}).trustProxy;
    expect(clientAddress(req('203.0.113.9'), trust)).toBe('203.0.113.9');
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), trust)).toBe('203.0.113.9');
    expect(clientAddress(req('203.0.113.9', '127.0.0.1, 10.0.0.1'), trust)).toBe('203.0.113.9');
  });

  it('ignores a forged X-Forwarded-For from a peer that is not a trusted proxy', () => {
    const trust = loadConfig({ DATAEX_TRUST_PROXY: '10.0.0.0/8' }).trustProxy;
    expect(clientAddress(req('198.51.100.7', '1.2.3.4'), trust)).toBe('198.51.100.7');
    expect(clientAddress(req('198.51.100.7', '10.0.0.5, 1.2.3.4'), trust)).toBe('198.51.100.7');
  });

  it('follows X-Forwarded-For through trusted proxies only, up to the first untrusted hop', () => {
    const trust = loadConfig({ DATAEX_TRUST_PROXY: 'loopback,10.0.0.0/8' }).trustProxy;
    // nginx (10.0.0.2) appended the address it saw; the client prepended a forged one.
    expect(clientAddress(req('10.0.0.2', '6.6.6.6, 203.0.113.50'), trust)).toBe('203.0.113.50');
    // Two trusted hops: the second proxy's own entry is skipped too.
    expect(clientAddress(req('127.0.0.1', '6.6.6.6, 203.0.113.50, 10.0.0.3'), trust)).toBe('203.0.113.50');
    // Every hop trusted: the left-most entry is the client.
    expect(clientAddress(req('10.0.0.2', '10.9.9.9'), trust)).toBe('10.9.9.9');
    // A trusted proxy without the header: the proxy itself.
    expect(clientAddress(req('10.0.0.2'), trust)).toBe('10.0.0.2');
  });

  it('trusts exactly n hops with a hop count', () => {
    const one = loadConfig({ DATAEX_TRUST_PROXY: '1' }).trustProxy;
    expect(clientAddress(req('172.18.0.5', '6.6.6.6, 203.0.113.50'), one)).toBe('203.0.113.50');
    expect(clientAddress(req('172.18.0.5'), one)).toBe('172.18.0.5');
    const two = compileTrust(2);
    expect(clientAddress(req('172.18.0.5', '6.6.6.6, 203.0.113.50, 10.1.1.1'), two)).toBe('203.0.113.50');
    expect(clientAddress(req('172.18.0.5', '6.6.6.6, 203.0.113.50'), compileTrust(0))).toBe('172.18.0.5');
  });

  it('takes a compiled trust function as well as the configured value', () => {
    const trust = compileTrust(['10.0.0.0/8']);
    expect(clientAddress(req('10.0.0.2', '203.0.113.50'), trust)).toBe('203.0.113.50');
    expect(clientAddress(req('10.0.0.2', '203.0.113.50'), (addr) => addr === '10.0.0.2')).toBe('203.0.113.50');
  });

  it('gives IPv4-mapped peers as IPv4, and something even without a socket address', () => {
    expect(clientAddress(req('::ffff:203.0.113.9'), 0)).toBe('203.0.113.9');
    expect(clientAddress(req(undefined), 0)).toBe('unknown');
  });
});

describe('rateKeyAddress', () => {
  it('keys IPv4 callers by their full address', () => {
    expect(rateKeyAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(rateKeyAddress('203.0.113.10')).not.toBe(rateKeyAddress('203.0.113.9'));
  });

  it('normalises IPv4-mapped IPv6 to IPv4 first', () => {
    expect(rateKeyAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(rateKeyAddress('::FFFF:203.0.113.9')).toBe('203.0.113.9');
    expect(rateKeyAddress('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(rateKeyAddress('0:0:0:0:0:ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('keys IPv6 callers by their /64, however the address is written', () => {
    const key = rateKeyAddress('2001:db8:abcd:12::1');
    expect(key).toBe('2001:db8:abcd:12::/64');
    expect(rateKeyAddress('2001:0db8:ABCD:0012:ffff:1:2:3')).toBe(key);
    expect(rateKeyAddress('2001:db8:abcd:12:0:0:0:99')).toBe(key);
    expect(rateKeyAddress('2001:db8:abcd:13::1')).not.toBe(key);
    expect(rateKeyAddress('::1')).toBe('0:0:0:0::/64');
    expect(rateKeyAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(rateKeyAddress('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64');
  });

  it('passes anything that is not an IP address through, bounded', () => {
    expect(rateKeyAddress('unknown')).toBe('unknown');
    expect(rateKeyAddress('x'.repeat(500)).length).toBeLessThanOrEqual(64);
  });
});

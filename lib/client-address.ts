// Who is calling, as far as the network can tell: the peer's address, or the address a trusted
// proxy put into X-Forwarded-For (DATAEX_TRUST_PROXY; proxy-addr walks the header from the
// right and stops at the first hop it does not trust, so entries a client wrote itself are never
// believed). And the key a caller's address is rate-limited under: IPv4 by address, IPv6 by /64
// (one subscriber usually holds a whole /64 and could otherwise take a fresh address per request).

import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';
import type { TrustProxy } from './config.ts';

/** proxy-addr's trust function: `i` is the hop (0 = the peer), `addr` its address. */
export type TrustFunction = (addr: string, i: number) => boolean;

const TRUST_NONE: TrustFunction = () => false;

/** The trust function for a DATAEX_TRUST_PROXY value (config.trustProxy): compile once, apply per request. */
export function compileTrust(trust: TrustProxy): TrustFunction {
  if (typeof trust === 'number') return trust <= 0 ? TRUST_NONE : (_addr, i) => i < trust;
  return trust.length === 0 ? TRUST_NONE : proxyaddr.compile(trust);
}

// Configured lists are compiled once (config.trustProxy is one array for the process's life).
const compiled = new WeakMap<readonly string[], TrustFunction>();

function trustFunctionOf(trust: TrustProxy | TrustFunction): TrustFunction {
  if (typeof trust === 'function') return trust;
  if (typeof trust === 'number') return compileTrust(trust);
  let fn = compiled.get(trust);
  if (!fn) compiled.set(trust, (fn = compileTrust(trust)));
  return fn;
}

/** `::ffff:1.2.3.4` (and `::ffff:102:304`) as `1.2.3.4`; anything else unchanged. */
function unmapIPv4(address: string): string {
  if (isIP(address) !== 6) return address;
  const hextets = expandIPv6(address);
  if (hextets?.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    return [hextets[6] >> 8, hextets[6] & 0xff, hextets[7] >> 8, hextets[7] & 0xff].join('.');
  }
  return address;
}

/**
 * The client's address: the peer's, unless the peer is a trusted proxy; then, walking
 * X-Forwarded-For from the right, the first address not trusted (or the left-most one).
 * IPv4-mapped IPv6 addresses come back as IPv4; a request without a peer address as `unknown`.
 */
export function clientAddress(req: IncomingMessage, trust: TrustProxy | TrustFunction): string {
  const fn = trustFunctionOf(trust);
  // Without a trusted peer the header is never read.
  const peer = req.socket?.remoteAddress;
  const address = fn === TRUST_NONE || !req.headers['x-forwarded-for'] ? peer : proxyaddr(req, fn);
  return address ? unmapIPv4(address) : 'unknown';
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined if it is not one. */
function expandIPv6(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '');
  // A trailing dotted IPv4 part stands for the last two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const b = v4.slice(1, 5).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    text = `${text.slice(0, v4.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => (/^[0-9a-f]{1,4}$/i.test(h) ? parseInt(h, 16) : NaN)));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return groups.some((g) => Number.isNaN(g)) ? undefined : groups;
}

/**
 * The key an address is rate-limited under: an IPv4 address as it is (IPv4-mapped IPv6 first
 * becomes IPv4), an IPv6 address as its /64 (`2001:db8:abcd:12::/64`); anything else (a proxy
 * that wrote no address) as it is, cut to 64 characters.
 */
export function rateKeyAddress(address: string): string {
  const plain = unmapIPv4(address.trim());
  const kind = isIP(plain.replace(/%.*$/, ''));
  if (kind === 4) return plain;
  if (kind === 6) {
    const groups = expandIPv6(plain);
    if (groups)
      return `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(':')}::/64`;
  }
  return plain.slice(0, 64);
}

// The key an anonymous caller's requests are counted under: its address behind the trusted
// proxies (DATAEX_TRUST_PROXY; lib/client-address.ts), IPv6 by /64.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TrustProxy } from '../lib/config.ts';
import { clientAddress, compileTrust, rateKeyAddress } from '../lib/client-address.ts';

export function clientKeyOfFor(trustProxy: TrustProxy): (req: IncomingMessage) => string {
  const trust = compileTrust(trustProxy);
  const trustsNone = trustProxy === 0 || (Array.isArray(trustProxy) && trustProxy.length === 0);
  if (!trustsNone) return (req) => rateKeyAddress(clientAddress(req, trust));
  // No proxy trusted: the address is the connection's, so it is worked out once per connection.
  const perSocket = new WeakMap<Socket, string>();
  return (req) => {
    let key = perSocket.get(req.socket);
    if (key === undefined) perSocket.set(req.socket, (key = rateKeyAddress(clientAddress(req, trust))));
    return key;
  };
}

import type { Server } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * At most `max` open connections per client address on `server`: one more is answered `refusal` (a whole
 * HTTP response, 429) and closed, before any request on it is read. The address is the socket's peer;
 * the proxies TRUST_PROXY lists carry many clients and are not counted.
 */
export function capConnectionsPerAddress(server: Server, max: number, trustProxy: string[], refusal: string): void {
  if (max <= 0) return;
  const trusted = trustProxy.length ? proxyaddr.compile(trustProxy) : () => false;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    if (trusted(address, 0)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.pause();
      socket.on('error', () => socket.destroy());
      socket.end(refusal, () => socket.destroy());
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

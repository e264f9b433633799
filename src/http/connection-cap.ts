import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import proxyaddr from 'proxy-addr';

/**
 * At most `max` open connections per client address on `server`: one more is answered `refusal` (a whole
 * HTTP response, 429) and closed. The address is the socket's peer; the proxies TRUST_PROXY lists carry
 * many clients and are not counted. Returns whether a socket was refused: Node's HTTP parser reads it
 * before the close, and whatever request it finds there must not be carried out.
 */
export function capConnectionsPerAddress(server: Server, max: number, trustProxy: string[], refusal: string): (socket: Socket) => boolean {
  const refused = new WeakSet<Socket>();
  if (max <= 0) return () => false;
  const trusted = trustProxy.length ? proxyaddr.compile(trustProxy) : () => false;
  const open = new Map<string, number>();
  // A socket is counted once, though a declined upgrade hands it to the server again (mount.ts).
  const counted = new WeakSet<Socket>();
  server.on('connection', (socket: Socket) => {
    if (counted.has(socket) || refused.has(socket)) return;
    const address = socket.remoteAddress ?? '';
    if (trusted(address, 0)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      refused.add(socket);
      socket.on('error', () => socket.destroy());
      socket.end(refusal, () => socket.destroy());
      return;
    }
    counted.add(socket);
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  return (socket) => refused.has(socket);
}

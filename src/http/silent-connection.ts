import type { Socket } from 'node:net';

/**
 * Closes `socket` if it has not sent a single byte after `ms`. Node's headersTimeout and
 * requestTimeout start with the first byte of a request, so a connection that never sends one is
 * otherwise kept open for ever, holding a file descriptor and a place under the connection caps.
 * (On a TLS port this is the raw connection: it must at least have started its handshake.)
 */
export function closeIfSilent(socket: Socket, ms: number, onClose: () => void = () => {}): void {
  const timer = setTimeout(() => {
    if (socket.bytesRead > 0 || socket.destroyed) return;
    onClose();
    socket.destroy();
  }, ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

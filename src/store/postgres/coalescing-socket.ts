import { Socket } from 'node:net';

/**
 * The socket of a pooled PostgreSQL connection (node-postgres' documented `stream` option), whose
 * writes made in one turn of the event loop leave in one system call: the first write of a turn
 * corks it, and the end of the turn (process.nextTick) uncorks it. node-postgres writes each
 * pipelined query on its own (it corks within a query only), so without this the transaction chain's
 * two pipelined queries per message cost two socket writes instead of one. Figures:
 * docs/performance.md, "Public pipelining instead of a pg.Query subclass".
 */
export function coalescingSocket(): Socket {
  const socket = new Socket();
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  const install = () => {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      return write(...args);
    }) as typeof socket.write;
  };
  // Node sets the socket's own write when it connects, so the wrapper goes on then: this listener
  // is added before node-postgres', which writes the start-up message.
  socket.once('connect', install);
  return socket;
}

/**
 * The PostgreSQL connections' socket (src/store/postgres/coalescing-socket.ts): writes made in one
 * turn of the event loop are held (corked) until the turn ends and then leave together, on a real
 * TCP connection, in order and complete.
 */
import { createServer, type AddressInfo } from 'node:net';
import { coalescingSocket } from '../../src/store/postgres/coalescing-socket';

test('writes of one turn are corked together and arrive whole and in order', async () => {
  const received: Buffer[] = [];
  const server = createServer((conn) => conn.on('data', (d: Buffer) => received.push(d)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = coalescingSocket();
  try {
    await new Promise<void>((resolve) => socket.connect((server.address() as AddressInfo).port, '127.0.0.1', resolve));
    socket.write('first,');
    expect(socket.writableCorked).toBe(1);
    socket.write('second,');
    socket.write('third');
    expect(socket.writableCorked).toBe(1); // still one cork for the whole turn
    await new Promise((r) => process.nextTick(r));
    expect(socket.writableCorked).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(received).toString()).toBe('first,second,third');
  } finally {
    socket.destroy();
    await new Promise((r) => server.close(r));
  }
});

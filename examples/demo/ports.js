'use strict';
/** Local TCP ports for the demo's PostgreSQL and the worker's HTTP server (127.0.0.1 only). */
const { createServer } = require('node:net');

const HOST = '127.0.0.1';

/** Resolves true when `port` (0 = any) can be bound on 127.0.0.1 right now, with the bound port. */
function tryListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve({ ok: false, port }));
    server.listen(port, HOST, () => {
      const bound = server.address().port;
      server.close(() => resolve({ ok: true, port: bound }));
    });
  });
}

/** A port the operating system says is free now (there is a small race until it is used). */
async function freePort() {
  const { ok, port } = await tryListen(0);
  if (!ok) throw new Error(`could not find a free TCP port on ${HOST}`);
  return port;
}

/** `preferred` when it is free (so the printed URLs are the usual ones), otherwise any free port. */
async function preferredOrFreePort(preferred) {
  const { ok } = await tryListen(preferred);
  return ok ? preferred : freePort();
}

module.exports = { HOST, freePort, preferredOrFreePort };

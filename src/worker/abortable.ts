/**
 * Runs `work` but settles as soon as `signal` aborts, rejecting with the signal's reason.
 * The work itself cannot be force-stopped (JavaScript has no way to kill a promise): a handler is
 * expected to honour ctx.signal; one that ignores it keeps running detached, and its eventual
 * rejection is swallowed here so it cannot crash the process as an unhandled rejection.
 */
export function abortable<T>(work: () => Promise<T> | T, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let running: Promise<T>;
    try {
      running = Promise.resolve(work());
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

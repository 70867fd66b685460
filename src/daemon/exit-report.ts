import type { Logger } from 'pino';
import type { RunningMessage } from '../worker/running-attempts';

/** Most running messages spelled out in the message text of the line (all are in its `running` field). */
const SPELLED_OUT = 20;

/**
 * The last words of a dying daemon: whatever ends the process (a handler calling process.exit, an
 * uncaught exception, an unhandled rejection), its last log line names every handler attempt that
 * was running (tenant, message id, type, attempt), so the message that killed it can be found.
 * A clean exit with nothing running writes nothing. Returns the function that removes the hook.
 */
export function reportOnExit(
  logger: Logger,
  running: () => RunningMessage[],
): { uninstall(): void; fatal(err: unknown, kind: string): void } {
  let reported = false;
  const report = (code: number | string | undefined, err?: unknown, kind?: string) => {
    const list = running();
    if (reported || (list.length === 0 && !err && (code === 0 || code === undefined))) return;
    reported = true;
    logger.fatal(
      { exitCode: code, err, running: list },
      `${kind ? `${kind}; ` : ''}process exiting (code ${code}) while ${list.length} handler(s) ran` +
        (list.length ? `: ${describeRunning(list)}` : ''),
    );
  };
  const onExit = (code: number) => report(code);
  process.on('exit', onExit);
  return {
    uninstall: () => process.off('exit', onExit),
    fatal: (err, kind) => report(1, err, kind),
  };
}

/** `tenant a: message <id> (Type, attempt 2, running 1200 ms), ...` */
export function describeRunning(list: readonly RunningMessage[]): string {
  const shown = list
    .slice(0, SPELLED_OUT)
    .map((m) => `tenant ${m.tenant}: message ${m.messageId} (${m.type}, attempt ${m.attempt}, running ${m.runningMs} ms)`);
  return shown.join('; ') + (list.length > SPELLED_OUT ? `; and ${list.length - SPELLED_OUT} more` : '');
}

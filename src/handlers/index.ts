/** The public handler API of the package (re-exported by src/index.ts). */
export { defineHandler, definePostgresHandler, defineSqlServerHandler } from './define-handler';
export { snooze, isSnooze, MAX_SNOOZE_MS, type Snooze } from './snooze';
export type { Handler, HandlerContext, LoadedHandler, Message, TransactionOf } from './types';
export { HandlerRegistry } from './handler-registry';
export { loadHandlers } from './load-handlers';
export { isPermanentError } from '../retry/retry-policy';

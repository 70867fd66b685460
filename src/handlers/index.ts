/** The public handler API of the package (re-exported by src/index.ts). */
export { defineHandler } from './define-handler';
export type { Handler, HandlerContext, LoadedHandler, Message } from './types';
export { HandlerRegistry } from './handler-registry';
export { loadHandlers } from './load-handlers';
export { isPermanentError } from '../retry/retry-policy';

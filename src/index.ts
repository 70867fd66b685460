// Handler authoring and loading API (defineHandler, Handler types, loadHandlers, HandlerRegistry, isPermanentError).
export * from './handlers';
// Thrown by handlers to dead-letter a message at once.
export { PermanentError } from './errors';

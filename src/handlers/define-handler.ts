import type { Handler } from './types';

/**
 * Identity helper that gives TypeScript users type checking and inference for a handler module:
 *
 *   export default defineHandler<{ productId: string }>({ type: 'ProductUpdate', async handle(m, ctx) { ... } });
 */
export function defineHandler<TPayload = unknown, TDb = unknown>(handler: Handler<TPayload, TDb>): Handler<TPayload, TDb> {
  return handler;
}

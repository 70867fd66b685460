import type { Dialect } from '../store/types';
import type { Handler, LoadedHandler } from './types';
import { indexByType, validateHandler } from './validate-handler';

/**
 * The handlers the worker dispatches to, by message type. Immutable once built: it is created at
 * start-up (`loadHandlers(dir)` or `HandlerRegistry.fromHandlers([...])`) and only read afterwards.
 */
export class HandlerRegistry {
  private readonly byType: ReadonlyMap<string, LoadedHandler>;
  private readonly all: readonly LoadedHandler[];

  /**
   * @param handlers already validated handlers (see validateHandler), each with a `label` that
   *                 error messages use to name it (its file, or '<inline> handler #2')
   * @throws ConfigError TQW_HANDLER_DUPLICATE_TYPE when two handlers claim the same message type
   */
  constructor(handlers: readonly { loaded: LoadedHandler; label: string }[] = []) {
    this.byType = indexByType(handlers);
    this.all = Object.freeze(handlers.map((entry) => entry.loaded));
  }

  /**
   * Builds a registry from handler objects given in code (programmatic use, tests). They are
   * validated exactly like handler modules loaded from a directory.
   * @param source LoadedHandler.source of every handler; default '<inline>'
   * @throws ConfigError TQW_HANDLER_INVALID / TQW_HANDLER_DUPLICATE_TYPE naming the handler's position
   */
  static fromHandlers(handlers: readonly Handler[], source = '<inline>'): HandlerRegistry {
    return new HandlerRegistry(
      handlers.map((handler, index) => {
        const label = `${source} handler #${index + 1}`;
        return { loaded: validateHandler(handler, source, label), label };
      }),
    );
  }

  /** The handler of a message type, or undefined when no handler claims it. */
  get(type: string): LoadedHandler | undefined {
    return this.byType.get(type);
  }

  /** Every registered message type, sorted. */
  types(): string[] {
    return [...this.byType.keys()].sort(compareCodeUnits);
  }

  /**
   * The types a worker claims from a tenant on `dialect`: every registered type whose handler runs
   * there (no Handler.dialect, or this one), sorted. Messages of other types are left Pending.
   */
  typesFor(dialect: Dialect): string[] {
    return this.types().filter((type) => {
      const only = this.byType.get(type)?.handler.dialect;
      return only === undefined || only === dialect;
    });
  }

  /** The loaded handlers in load order (one entry per module, however many types it owns). */
  handlers(): readonly LoadedHandler[] {
    return this.all;
  }

  /** Number of registered message types. */
  get size(): number {
    return this.byType.size;
  }
}

/** Locale-independent ordering, so logs and load order are the same on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { ConfigError } from '../../src/errors';
import { HandlerRegistry } from '../../src/handlers/handler-registry';
import type { Handler } from '../../src/handlers/types';
import { MAX_TIMEOUT_MS } from '../../src/handlers/validate-handler';

/**
 * HandlerRegistry.fromHandlers() (programmatic handlers). It shares validate-handler.ts with
 * loadHandlers(), so the rule table here covers the file loader's rules as well.
 */
const handle = async () => {};

function thrown(fn: () => unknown): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

describe('HandlerRegistry.fromHandlers', () => {
  it('registers handlers by type, with source <inline> by default', () => {
    const single: Handler = { type: 'A', handle };
    const multi: Handler = { types: ['C', 'B'], handle, maxAttempts: 3 };
    const registry = HandlerRegistry.fromHandlers([single, multi]);

    expect(registry.size).toBe(3);
    expect(registry.types()).toEqual(['A', 'B', 'C']);
    expect(registry.get('A')).toEqual({ handler: single, types: ['A'], source: '<inline>' });
    expect(registry.get('B')?.handler).toBe(multi);
    expect(registry.get('C')?.types).toEqual(['C', 'B']);
    expect(registry.get('D')).toBeUndefined();
    expect(registry.handlers()).toHaveLength(2);
  });

  it('uses the given source name', () => {
    const registry = HandlerRegistry.fromHandlers([{ type: 'A', handle }], 'my-app');
    expect(registry.get('A')?.source).toBe('my-app');
  });

  it('merges type and types, each type owned once', () => {
    const registry = HandlerRegistry.fromHandlers([{ type: 'A', types: ['A', 'B'], handle }]);
    expect(registry.get('A')?.types).toEqual(['A', 'B']);
  });

  it('an empty list gives an empty registry', () => {
    expect(HandlerRegistry.fromHandlers([]).size).toBe(0);
  });

  it('a type claimed twice: TQW_HANDLER_DUPLICATE_TYPE naming both handlers', () => {
    const err = thrown(() =>
      HandlerRegistry.fromHandlers([
        { type: 'A', handle },
        { type: 'B', handle },
        { types: ['A'], handle },
      ]),
    );
    expect(err.code).toBe('TQW_HANDLER_DUPLICATE_TYPE');
    expect(err.message).toContain("'A'");
    expect(err.message).toContain('<inline> handler #1');
    expect(err.message).toContain('<inline> handler #3');
  });

  // [what is wrong, the handler value, a fragment the message must contain]
  const invalid: [string, unknown, string][] = [
    ['not an object (number)', 42, 'number 42'],
    ['not an object (function)', function handler() {}, 'a function'],
    ['null', null, 'got null'],
    ['an array', [{ type: 'A', handle }], 'an array'],
    ['handle missing', { type: 'A' }, 'no handle function'],
    ['handle not a function', { type: 'A', handle: 'run' }, 'handle must be a function'],
    ['neither type nor types', { handle }, 'names no message type'],
    ['empty types', { types: [], handle }, 'types is an empty array'],
    ['types not an array', { types: 'A', handle }, 'types must be an array'],
    ['empty type name', { type: '', handle }, 'non-empty strings'],
    ['blank type name', { types: ['A', '  '], handle }, 'non-empty strings'],
    ['non-string type name', { types: ['A', 7], handle }, 'number 7'],
    ['type name too long for the column', { type: 'x'.repeat(256), handle }, 'longer than 255'],
    ['timeoutMs zero', { type: 'A', handle, timeoutMs: 0 }, 'timeoutMs must be a positive integer'],
    ['timeoutMs fractional', { type: 'A', handle, timeoutMs: 1.5 }, 'timeoutMs must be a positive integer'],
    ['timeoutMs as string', { type: 'A', handle, timeoutMs: '5000' }, 'timeoutMs must be a positive integer'],
    ['timeoutMs beyond setTimeout', { type: 'A', handle, timeoutMs: MAX_TIMEOUT_MS + 1 }, 'largest timer'],
    ['maxAttempts negative', { type: 'A', handle, maxAttempts: -1 }, 'maxAttempts must be a positive integer'],
    ['backoffBaseMs NaN', { type: 'A', handle, backoffBaseMs: Number.NaN }, 'backoffBaseMs must be a positive integer'],
    ['backoffMaxMs Infinity', { type: 'A', handle, backoffMaxMs: Infinity }, 'backoffMaxMs must be a positive integer'],
    ['backoff base above cap', { type: 'A', handle, backoffBaseMs: 500, backoffMaxMs: 100 }, 'greater than backoffMaxMs'],
    ['transactional not boolean', { type: 'A', handle, transactional: 'false' }, 'transactional must be true or false'],
    ['unknown key', { type: 'A', handle, timeout: 5 }, "'timeout' (did you mean 'timeoutMs'?)"],
    ['misspelt handle', { type: 'A', handel: handle }, "'handel' (did you mean 'handle'?)"],
    ['unrelated unknown key', { type: 'A', handle, queue: 'x' }, "unknown key 'queue'; allowed keys are"],
  ];

  it.each(invalid)('rejects %s with TQW_HANDLER_INVALID naming the handler', (_what, value, fragment) => {
    const err = thrown(() => HandlerRegistry.fromHandlers([{ type: 'Ok', handle }, value as Handler]));
    expect(err.code).toBe('TQW_HANDLER_INVALID');
    expect(err.message).toContain('<inline> handler #2');
    expect(err.message).toContain(fragment);
  });

  it('accepts every option at its valid extreme', () => {
    const handler: Handler = {
      type: 'A',
      handle,
      timeoutMs: MAX_TIMEOUT_MS,
      maxAttempts: 1,
      backoffBaseMs: 100,
      backoffMaxMs: 100,
      transactional: false,
    };
    expect(HandlerRegistry.fromHandlers([handler]).get('A')?.handler).toBe(handler);
  });

  it('accepts handle inherited from a class prototype', () => {
    class Greeter {
      readonly type = 'Greet';
      async handle(): Promise<void> {}
    }
    const instance = new Greeter();
    expect(HandlerRegistry.fromHandlers([instance]).get('Greet')?.handler).toBe(instance);
  });
});

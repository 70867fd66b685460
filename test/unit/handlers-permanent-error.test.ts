import { PermanentError, TqwError } from '../../src/errors';
import { isPermanentError } from '../../src/retry/retry-policy';

describe('isPermanentError', () => {
  it('recognises the exported PermanentError class', () => {
    expect(isPermanentError(new PermanentError('payload has no productId'))).toBe(true);
  });

  it("recognises an error named 'PermanentError' (a handler file that cannot import the package)", () => {
    const err = new Error('payload has no productId');
    err.name = 'PermanentError';
    expect(isPermanentError(err)).toBe(true);
  });

  it("recognises an error with code 'TQW_PERMANENT_FAILURE'", () => {
    expect(isPermanentError(Object.assign(new Error('bad payload'), { code: 'TQW_PERMANENT_FAILURE' }))).toBe(true);
  });

  it('recognises a handler-defined class named PermanentError (e.g. a second copy of the package)', () => {
    class PermanentErrorCopy extends Error {
      constructor(message: string) {
        super(message);
        this.name = 'PermanentError';
      }
    }
    expect(isPermanentError(new PermanentErrorCopy('nope'))).toBe(true);
  });

  it('recognises a thrown plain object carrying the name or the code', () => {
    expect(isPermanentError({ name: 'PermanentError', message: 'x' })).toBe(true);
    expect(isPermanentError({ code: 'TQW_PERMANENT_FAILURE' })).toBe(true);
  });

  it('does not treat ordinary failures as permanent', () => {
    expect(isPermanentError(new Error('connection reset'))).toBe(false);
    expect(isPermanentError(new TypeError('x is undefined'))).toBe(false);
    expect(isPermanentError(Object.assign(new Error('flagged'), { permanent: true }))).toBe(false);
    expect(isPermanentError(Object.assign(new Error('pg'), { code: '23505' }))).toBe(false);
    expect(isPermanentError(new TqwError('TQW_HANDLER_TIMEOUT', 'timed out'))).toBe(false);
    expect(isPermanentError('PermanentError')).toBe(false);
    expect(isPermanentError(undefined)).toBe(false);
    expect(isPermanentError(null)).toBe(false);
  });
});

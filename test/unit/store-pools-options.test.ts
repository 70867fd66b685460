/**
 * StorePools' storeOptions: the keys a caller gives override DEFAULT_STORE_OPTIONS and the rest keep
 * their defaults (a JavaScript caller passing `{ deleteOnCompletion: true }` must not turn
 * asyncClaims off by leaving it out).
 */
import { StorePools } from '../../src/store/create-store';
import { DEFAULT_STORE_OPTIONS } from '../../src/store/types';

test('no store options: the defaults', async () => {
  const pools = new StorePools();
  expect(pools.storeOptions).toEqual(DEFAULT_STORE_OPTIONS);
  await pools.closeAll();
});

test('some store options: those keys change, the others keep their defaults', async () => {
  const pools = new StorePools(undefined, undefined, { deleteOnCompletion: true });
  expect(pools.storeOptions).toEqual({ ...DEFAULT_STORE_OPTIONS, deleteOnCompletion: true });
  expect(pools.storeOptions.asyncClaims).toBe(true);
  const durable = new StorePools(undefined, undefined, { asyncClaims: false });
  expect(durable.storeOptions).toEqual({ deleteOnCompletion: false, asyncCommit: false, asyncClaims: false });
  expect(Object.isFrozen(durable.storeOptions)).toBe(true);
  await Promise.all([pools.closeAll(), durable.closeAll()]);
});

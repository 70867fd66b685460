import { pathToFileURL } from 'node:url';
const dynImport = new Function('s', 'return import(s)') as (s: string) => Promise<unknown>;
test('mjs', async () => {
  try { const m = await dynImport(pathToFileURL('/tmp/hx/a.mjs').href); console.log('ok mjs', m); } catch (e) { console.log('mjs err', (e as any).code, (e as Error).message); }
  try { const m = await dynImport(pathToFileURL('/tmp/hx/b.cjs').href); console.log('ok cjs', m); } catch (e) { console.log('cjs err', (e as any).code, (e as Error).message); }
  try { const m = require('/tmp/hx/a.mjs'); console.log('req mjs', m); } catch (e) { console.log('req mjs err', (e as any).code, (e as Error).message); }
});

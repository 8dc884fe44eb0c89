// Compiling the routes' schemas must leave room in V8's transitions of the empty object's hidden
// class (at most 1,536): when they are used up, every `{}` a request builds key by key (Node's
// request headers, undici's response headers) gets a new hidden class, which cost ~17% of a send's
// instructions (src/http/ajv.ts, docs/PERFORMANCE.md). Asked of V8 itself, in a fresh process with
// natives syntax, after a gateway is built exactly as the tests build it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

const PROGRAM = `
const { startGateway } = await import('./test/helpers/app.ts');
const gw = await startGateway('sqlite');
const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)');
const shared = ['flowiqProbeA', 'flowiqProbeB', 'flowiqProbeC'].map((key) => {
  const a = {};
  a[key] = 1;
  const b = {};
  b[key] = 1;
  return sameShape(a, b);
});
await gw.close();
process.stdout.write(JSON.stringify(shared));
`;

describe('Ajv and V8 hidden classes', () => {
  it('leaves a key added to a new empty object on a hidden class shared with the next one, once the app is built', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', PROGRAM],
      { cwd: ROOT, timeout: 120_000 },
    );
    expect(JSON.parse(stdout)).toEqual([true, true, true]);
  }, 120_000); // a fresh process compiling the app's sources: slow when the suite loads the machine
});

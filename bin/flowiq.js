#!/usr/bin/env node
// Runs the compiled gateway (dist/, built by `npm run build`, which `npm install` runs as prepare).
// Production needs only node. Without dist/ (a clone where the build was skipped), or with
// FLOWIQ_FROM_SOURCE=1 (the test suites set it, so spawned gateways run the sources under test
// rather than a possibly stale build), the TypeScript sources run through tsx, a dev dependency.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const fromSource = process.env.FLOWIQ_FROM_SOURCE === '1' || !existsSync(compiled);

let main;
if (fromSource) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      process.env.FLOWIQ_FROM_SOURCE === '1'
        ? 'flowiq: FLOWIQ_FROM_SOURCE=1 needs tsx, a dev dependency: run `npm install`.\n'
        : 'flowiq: the gateway is not built (no dist/) and tsx is not installed to run the sources.\n' +
            'Run `npm install` (it builds), or `npm run build` where the dev dependencies are installed.\n',
    );
    process.exit(1);
  }
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import(compiled.href));
}
process.exitCode = await main(process.argv.slice(2));

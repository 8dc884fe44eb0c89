import { defineConfig } from 'vitest/config';

// The heavy reliability tests (process kills, database restarts, fault injection under load),
// run by `npm run test:faults` and by CI after the main suite.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Gateways the tests spawn (bin/flowiq.js) run these sources, not a possibly stale dist/.
    env: { FLOWIQ_FROM_SOURCE: '1' },
    fileParallelism: false,
    passWithNoTests: false,
  },
});

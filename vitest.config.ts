import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/faults/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Gateways the tests spawn (bin/flowiq.js) run these sources, not a possibly stale dist/.
    env: { FLOWIQ_FROM_SOURCE: '1' },
  },
});

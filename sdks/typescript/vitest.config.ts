import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // one server for every file; files run one after another so that the tenants' run slots stay predictable
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

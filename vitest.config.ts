import { defineConfig } from 'vitest/config'

// One run covers every package against one throwaway database (SQLite, or PostgreSQL when
// TEST_DATABASE_URL is set). Tests isolate themselves by tenant, so files run in parallel.
export default defineConfig({
  test: {
    include: ['apps/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    globalSetup: ['packages/db/test/global-setup.ts', 'apps/server/test/process/build-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
})

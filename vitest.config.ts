import { configDefaults, defineConfig } from 'vitest/config';

// Four projects, one `vitest run` for all of them (`npm test`); `npm run test:unit` runs the first
// alone. Unit tests (`*.unit.test.ts`) run in one process each, with no child process or server of
// their own; integration tests start real processes, servers and databases; e2e drives the whole
// system as a user does; ui drives the web UI in Chromium.
export default defineConfig({
  test: {
    globalSetup: ['./vitest.global-setup.ts'],
    // Tests start real processes and servers; separate forks keep their signals and ports apart.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.unit.test.ts', 'test/**/*.unit.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'test/{faults,plugins,restarts}/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.unit.test.ts'],
        },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      { extends: true, test: { name: 'ui', include: ['test/ui/**/*.test.ts'] } },
    ],
  },
});

// `npm run deadcode`: files, exports and dependencies nothing uses (knip), checked by `npm test`.
// Knip reads the workspaces from package.json, each package's entries from its `exports` and `bin`,
// the test files from vitest.config.ts, and the scripts' files from the `scripts` of each
// package.json; below is only what it cannot see.
import type { KnipConfig } from 'knip';

// A plugin package is loaded by path (`plugboard.entry` in its package.json), never imported.
const PLUGIN_ENTRY = 'src/index.ts';

const config: KnipConfig = {
  // packages/cli's bin, which npm links for the whole checkout: the official plugins' scripts run
  // it as their author would, from PATH.
  ignoreBinaries: ['plugboard'],
  workspaces: {
    '.': {
      // The test, e2e and ui fixtures and the benchmarks' plugin are plugin packages.
      entry: [`{bench,test}/**/fixtures/*/${PLUGIN_ENTRY}`, `examples/*/${PLUGIN_ENTRY}`],
      // One of the installers the Plugin Server runs from PATH (its tests and the benchmarks).
      ignoreDependencies: ['pnpm'],
    },
    'packages/*': {
      entry: [`test/fixtures/*/${PLUGIN_ENTRY}`],
    },
    'packages/plugin-server': {
      entry: [`test/fixtures/*/${PLUGIN_ENTRY}`],
      // Loaded with createRequire (CommonJS without types), which knip does not follow.
      ignoreDependencies: ['ini', 'npm-package-arg'],
    },
    'plugins/*': {
      entry: [PLUGIN_ENTRY, 'test/**/*.test.ts'],
    },
  },
};

export default config;

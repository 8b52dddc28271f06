#!/usr/bin/env node
// The project runs on Node 24 (type stripping runs the .ts sources directly). When this is started
// by an older Node — a fresh machine's Node 20 — re-run it with the Node 24 the project installs
// through its pinned `node` package, so `./node_modules/.bin/plugboard` works from any shell.
// A namespace import: Node 20's `node:module` has no enableCompileCache, and a named import of it
// would fail before the version check below could re-run this under Node 24.
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
// Without it, any process of the same user could open this one's inspector with SIGUSR1 and run
// code inside it, with its keys.
const NO_INSPECTOR_SIGNAL = '--disable-sigusr1';

if (major >= REQUIRED_MAJOR && !process.execArgv.includes(NO_INSPECTOR_SIGNAL)) {
  // Replaces this process in place (same pid, no child) with one started with the flag.
  process.execve(process.execPath, [
    process.execPath,
    NO_INSPECTOR_SIGNAL,
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    ...process.argv.slice(2),
  ]);
} else if (major >= REQUIRED_MAJOR) {
  // Caches compiled code, including the TypeScript Node has stripped, so later starts skip the
  // stripper and the parse (a plugin process starts in about half the time and memory). The cache
  // lives in NODE_COMPILE_CACHE or else in the OS temp folder, and is checked against the sources.
  nodeModule.enableCompileCache();
  await import('../src/main.ts');
} else {
  let pinnedNode;
  try {
    pinnedNode = nodeModule.createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(
      `plugboard needs Node ${REQUIRED_MAJOR} or newer (this is ${process.version}).\n` +
        'Run `npm ci` in the Plugboard checkout, which installs it, or install Node 24 LTS.\n',
    );
    process.exit(1);
  }
  // Imported here, not at the top: every plugin process starts through this file and never needs it.
  const { spawn } = await import('node:child_process');
  const child = spawn(
    pinnedNode,
    [NO_INSPECTOR_SIGNAL, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}

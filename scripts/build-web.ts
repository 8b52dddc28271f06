// Builds the web UI (packages/web) into packages/web/dist with Vite.
//   node scripts/build-web.ts             build now (npm run build:web)
//   node scripts/build-web.ts --if-stale  only when dist is missing or older than its sources
//                                         (npm start's prestart, so `npm ci && npm start` serves it)
//   node scripts/build-web.ts --dev       Vite's dev server, proxying the API to PLUGBOARD_URL
// Several `npm start`s may begin at once (tests do): a lock folder lets one build while the others
// wait, and the build is written aside and swapped in, so a server never sees half a dist.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer, type InlineConfig } from 'vite';

const ROOT = fileURLToPath(new URL('../packages/web/', import.meta.url));
const DIST = join(ROOT, 'dist');
const LOCK = join(ROOT, '.build-lock');
/** What the build reads: a change to any of them makes dist stale. */
const SOURCES = [
  join(ROOT, 'src'),
  join(ROOT, 'index.html'),
  join(ROOT, 'package.json'),
  fileURLToPath(import.meta.url),
];
const LOCK_WAIT_MS = 120_000;
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 300_000;

function config(outDir: string): InlineConfig {
  return {
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    base: '/',
    build: { outDir, emptyOutDir: true, sourcemap: true },
    server: {
      proxy: { '/api': process.env['PLUGBOARD_URL'] ?? 'http://127.0.0.1:4000' },
    },
  };
}

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    return 0;
  }
  if (!info.isDirectory()) {
    return info.mtimeMs;
  }
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) {
    newest = Math.max(newest, await newestMtime(join(path, entry)));
  }
  return newest;
}

async function isStale(): Promise<boolean> {
  const built = await stat(join(DIST, 'index.html')).catch(() => undefined);
  if (built === undefined) {
    return true;
  }
  const sources = await Promise.all(SOURCES.map(newestMtime));
  return Math.max(...sources) > built.mtimeMs;
}

async function withLock(work: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      const held = await stat(LOCK).catch(() => undefined);
      if (held !== undefined && (await holderGone()) && Date.now() - held.mtimeMs > 1_000) {
        // A build that was killed left its lock: its process is gone, so the lock is free.
        await rm(LOCK, { recursive: true, force: true });
      } else if (held !== undefined && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
        await rm(LOCK, { recursive: true, force: true });
      } else if (Date.now() > deadline) {
        throw new Error(`${LOCK} is still held after ${String(LOCK_WAIT_MS / 1000)} s`);
      } else {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  try {
    await work();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** Whether the process that took the lock has ended (signal 0 probes without signalling). */
async function holderGone(): Promise<boolean> {
  const pid = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) {
    return true;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function buildOnce(): Promise<void> {
  const began = performance.now();
  const aside = join(ROOT, `.dist-${String(process.pid)}`);
  await build(config(aside));
  await rm(DIST, { recursive: true, force: true });
  await rename(aside, DIST);
  process.stdout.write(
    `web UI built into ${DIST} (${((performance.now() - began) / 1000).toFixed(1)} s)\n`,
  );
}

const mode = process.argv[2];
if (mode === '--dev') {
  const server = await createServer(config(DIST));
  await server.listen();
  server.printUrls();
} else if (mode === '--if-stale') {
  if (await isStale()) {
    // Another start may have built it while this one waited for the lock.
    await withLock(async () => {
      if (await isStale()) {
        await buildOnce();
      }
    });
  }
} else {
  await withLock(buildOnce);
}

// Real installs with bun and npm into temporary plugin folders, sharing one cache per test run;
// a dependency with an install script comes from a registry stand-in on loopback.
import { existsSync } from 'node:fs';
import { chmod, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInstallers,
  installDependencies,
  type Installer,
  type InstallerName,
  type InstallResult,
  type InstallSettings,
} from '../src/install/installer.ts';
import {
  startRegistryStandIn,
  type RegistryStandIn,
} from './fixtures/install-registry/registry-stand-in.ts';
import {
  createInstallBench,
  failure,
  type InstallBench,
} from './fixtures/install-registry/install-helpers.ts';

const IS_NUMBER_7 =
  'sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==';
const IS_NUMBER_6 =
  'sha512-Wu1VHeILBK8KAWJUAiSZQX94GmOE45Rg6/538fKwiloUu21KncEkYGPqob2oSZ5mUT73vLGrHQjKw3KMPwfDzg==';
const SDK_AND_IS_NUMBER = { '@plugboard/sdk': '0.1.0', 'is-number': '7.0.0' };
const SCRIPTED_DEP = {
  name: 'dep',
  version: '1.0.0',
  scripts: { postinstall: `node -e "require('fs').writeFileSync('ran','x')"` },
};

let root: string;
let registry: RegistryStandIn;
let bench: InstallBench;
let settings: InstallSettings;
const installers = createInstallers();
const available: Record<InstallerName, boolean> = { bun: false, npm: false, pnpm: false };

beforeAll(async () => {
  bench = await createInstallBench('install');
  ({ root, settings } = bench);
  for (const name of ['bun', 'npm', 'pnpm'] as const) {
    available[name] = await installers[name].available();
  }
  registry = await startRegistryStandIn([SCRIPTED_DEP]);
});

afterAll(async () => {
  await registry.close();
  await bench.remove();
});

const pluginDir = (manifest: object, files?: Record<string, unknown>): Promise<string> =>
  bench.pluginDir(manifest, files);

interface Run {
  readonly result: InstallResult;
  readonly log: readonly string[];
}

async function install(
  dir: string,
  options: {
    order?: readonly InstallerName[];
    installers?: Record<InstallerName, Installer>;
    settings?: Partial<InstallSettings>;
    signal?: AbortSignal;
  } = {},
): Promise<Run> {
  const log: string[] = [];
  const request = {
    dir,
    log: (line: string) => log.push(line),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const result = await installDependencies(
    request,
    { ...settings, ...options.settings },
    { order: options.order ?? ['bun', 'npm'], installers: options.installers ?? installers },
  );
  return { result, log };
}

async function readJson(path: string): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, Record<string, unknown>>;
}

/** Processes (other than zombies) whose working folder is `dir`. */
async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      if ((await readlink(`/proc/${pid}/cwd`)) === dir) {
        found.push(pid);
      }
    } catch {
      // Gone, a zombie, or not ours to read.
    }
  }
  return found;
}

async function expectNoProcessesIn(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 20 && (await processesIn(dir)).length > 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await processesIn(dir)).toEqual([]);
}

function expectNoSdkLookup(log: readonly string[]): void {
  // Only the installer's own notes may name the SDK: the tool never saw it.
  const mentions = log.filter((line) => line.includes('@plugboard/'));
  expect(mentions.length).toBeGreaterThan(0);
  for (const line of mentions) {
    expect(line).toMatch(/^\[install\] /);
  }
}

// bun ships for some platforms only, and pnpm is used when the machine has it on PATH.
describe.each(['bun', 'npm', 'pnpm'] as const)('installing with %s', (name) => {
  const skip = (): boolean => !available[name];

  it('installs the dependencies without @plugboard/sdk', async ({ skip: skipTest }) => {
    skipTest(skip(), `${name} is not available here`);
    const dir = await pluginDir({ dependencies: SDK_AND_IS_NUMBER });
    const { result, log } = await install(dir, { order: [name] });

    expect(result).toMatchObject({ installer: name, skipped: false });
    expect(existsSync(join(dir, 'node_modules/is-number/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/@plugboard'))).toBe(false);
    const manifest = await readJson(join(dir, 'package.json'));
    expect(manifest['dependencies']).toEqual({ 'is-number': '7.0.0' });
    // @plugboard/sdk@0.1.0 is on no registry, so the install succeeding shows it was not fetched.
    expectNoSdkLookup(log);
    expect(log).toContain(
      '[install] removed @plugboard/sdk from dependencies: the plugin process supplies it, so it is never fetched from a registry',
    );
  });

  it('does not run dependency install scripts unless allowed', async ({ skip: skipTest }) => {
    skipTest(skip(), `${name} is not available here`);
    const manifest = { dependencies: { dep: '1.0.0' } };
    const blocked = await pluginDir(manifest);
    await install(blocked, { order: [name], settings: { registry: registry.url } });
    expect(existsSync(join(blocked, 'node_modules/dep/package.json'))).toBe(true);
    expect(existsSync(join(blocked, 'node_modules/dep/ran'))).toBe(false);

    // The same plugin with scripts allowed shows the flags above are what kept the script off.
    const allowed = await pluginDir(manifest);
    await install(allowed, {
      order: [name],
      settings: { registry: registry.url, allowScripts: true },
    });
    expect(existsSync(join(allowed, 'node_modules/dep/ran'))).toBe(true);
  });
});

describe('installDependencies', () => {
  it('skips the install when only @plugboard/* is left', async () => {
    const spawned: string[] = [];
    const refuse = (name: InstallerName): Installer => ({
      name,
      available: () => Promise.resolve(true),
      install: () => {
        spawned.push(name);
        return Promise.resolve();
      },
    });
    const dir = await pluginDir({
      dependencies: { '@plugboard/sdk': '0.1.0' },
      devDependencies: { '@plugboard/cli': '0.1.0', typescript: '6.0.3' },
    });
    const { result, log } = await install(dir, {
      installers: { bun: refuse('bun'), npm: refuse('npm'), pnpm: refuse('pnpm') },
    });

    expect(result).toMatchObject({ installer: 'none', skipped: true });
    expect(spawned).toEqual([]);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const manifest = await readJson(join(dir, 'package.json'));
    expect(manifest['dependencies']).toEqual({});
    expect(manifest['devDependencies']).toEqual({ typescript: '6.0.3' });
    expect(log).toContain('[install] no dependencies to install; skipped');
  });

  it('honours an npm lockfile, after removing @plugboard/sdk from it', async () => {
    // The range allows 7.0.0 (the newest); the lockfile pins 6.0.0.
    const dependencies = { '@plugboard/sdk': '0.1.0', 'is-number': '>=6' };
    const dir = await pluginDir(
      { dependencies },
      {
        'package-lock.json': {
          name: 'locked',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': { name: 'locked', version: '1.0.0', dependencies },
            'node_modules/@plugboard/sdk': { version: '0.1.0', license: 'MIT' },
            'node_modules/is-number': {
              version: '6.0.0',
              integrity: IS_NUMBER_6,
              license: 'MIT',
              engines: { node: '>=0.10.0' },
            },
          },
        },
      },
    );
    const { result, log } = await install(dir, { order: ['npm'] });

    expect(result.installer).toBe('npm');
    expect(log.some((line) => line.startsWith('[install] running npm ci '))).toBe(true);
    const installed = await readJson(join(dir, 'node_modules/is-number/package.json'));
    expect(installed['version']).toBe('6.0.0');
    const lock = await readJson(join(dir, 'package-lock.json'));
    expect(Object.keys(lock['packages']!)).toEqual(['', 'node_modules/is-number']);
    expectNoSdkLookup(log);
  });

  it('installs from a bun.lock that still names @plugboard/sdk, unfrozen', async ({ skip }) => {
    skip(!available.bun, 'bun is not available here');
    const lock = `{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "locked",
      "dependencies": { "@plugboard/sdk": "file:./sdk", "is-number": "7.0.0", },
    },
  },
  "packages": {
    "@plugboard/sdk": ["@plugboard/sdk@file:sdk", {}],
    "is-number": ["is-number@7.0.0", "", {}, "${IS_NUMBER_7}"],
  }
}
`;
    const dir = await pluginDir(
      { dependencies: { '@plugboard/sdk': 'file:./sdk', 'is-number': '7.0.0' } },
      { 'bun.lock': lock, 'sdk/package.json': { name: '@plugboard/sdk', version: '0.1.0' } },
    );
    const { result, log } = await install(dir, { order: ['bun'] });

    expect(result.installer).toBe('bun');
    expect(log).toContain(
      '[install] bun.lock names @plugboard/*, which was removed; installing without freezing it',
    );
    expect(existsSync(join(dir, 'node_modules/is-number'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/@plugboard'))).toBe(false);
  });

  it('reports a failed install with the end of its output', async () => {
    const dir = await pluginDir({
      dependencies: { 'plugboard-test-no-such-package-7f3e9c1a': '1.0.0' },
    });
    const error = await failure(install(dir, { order: ['npm'] }));

    expect(error.code).toBe('PSRV_INSTALL_FAILED');
    expect(error.message).toMatch(/^npm install failed with exit code \d+$/);
    const logTail = error.details?.['logTail'] as string[];
    expect(logTail.length).toBeGreaterThan(0);
    expect(logTail.length).toBeLessThanOrEqual(40);
    expect(logTail.join('\n')).toContain('404');
  });

  it('kills an install that runs past its time limit', async () => {
    const dir = await pluginDir({ dependencies: { 'is-number': '7.0.0' } });
    const error = await failure(install(dir, { order: ['npm'], settings: { timeoutMs: 50 } }));

    expect(error.code).toBe('PSRV_INSTALL_FAILED');
    expect(error.message).toBe('dependency install timed out after 50 ms');
    await expectNoProcessesIn(dir);
  });

  it('kills the whole process group when the install is cancelled', async () => {
    // A stand-in for npm that leaves a background child running, as a script might.
    const fake = join(root, 'fake-npm.sh');
    await writeFile(
      fake,
      '#!/bin/sh\n[ "$1" = --version ] && { echo 11.0.0; exit 0; }\nsleep 30 &\necho waiting\nwait\n',
    );
    await chmod(fake, 0o755);
    const dir = await pluginDir({ dependencies: { 'is-number': '7.0.0' } });
    const controller = new AbortController();
    const pending = install(dir, {
      order: ['npm'],
      installers: createInstallers({ npmBinary: fake }),
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort();
    }, 300);
    const error = await failure(pending);

    expect(error.message).toBe('dependency install was cancelled');
    expect(error.details?.['logTail']).toEqual(['waiting']);
    await expectNoProcessesIn(dir);
  });

  it('falls back to npm when bun is not available', async () => {
    const fallback = createInstallers({ bunBinary: join(root, 'no-such-bun') });
    expect(await fallback.bun.available()).toBe(false);
    const dir = await pluginDir({ dependencies: SDK_AND_IS_NUMBER });
    const { result, log } = await install(dir, { installers: fallback });

    expect(result).toMatchObject({ installer: 'npm', skipped: false });
    expect(log).toContain('[install] bun is not available on this server');
    expect(existsSync(join(dir, 'node_modules/is-number'))).toBe(true);
  });

  it('refuses when no installer of the order is available', async () => {
    const missing = join(root, 'missing');
    const none = createInstallers({ bunBinary: missing, npmBinary: missing, pnpmBinary: missing });
    const dir = await pluginDir({ dependencies: { 'is-number': '7.0.0' } });
    const error = await failure(install(dir, { order: ['bun', 'npm', 'pnpm'], installers: none }));

    expect(error.code).toBe('PSRV_CONFIG_INVALID');
    expect(error.message).toBe('no dependency installer is available (tried bun, npm, pnpm)');
  });
});

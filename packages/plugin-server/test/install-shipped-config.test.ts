// Installer configuration shipped in a plugin, or set in the server's environment, does not
// steer an install: it goes to the configured registry (a stand-in on loopback) and a trap
// registry the shipped files point at receives no request. Real bun, npm and pnpm processes.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createInstallers,
  type InstallerName,
  type InstallSettings,
} from '../src/install/installer.ts';
import {
  createInstallBench,
  failure,
  recordingInstallers,
  type InstallBench,
} from './fixtures/install-registry/install-helpers.ts';
import {
  startRegistryStandIn,
  type RegistryStandIn,
} from './fixtures/install-registry/registry-stand-in.ts';

const TOOLS = ['bun', 'npm', 'pnpm'] as const;
const MANIFEST = { dependencies: { dep: '^1.0.0', '@sc/dep': '1.0.0' } };

let bench: InstallBench;
let registry: RegistryStandIn;
let trap: RegistryStandIn;
/** Serves a package that a registry package depends on by URL. */
let outside: RegistryStandIn;
const installers = createInstallers();
const available: Partial<Record<InstallerName, boolean>> = {};

beforeAll(async () => {
  bench = await createInstallBench('install-shipped-config');
  trap = await startRegistryStandIn();
  outside = await startRegistryStandIn([{ name: 'payload', version: '1.0.0' }]);
  registry = await startRegistryStandIn([
    { name: 'dep', version: '1.0.0' },
    { name: '@sc/dep', version: '1.0.0' },
    // A registry package whose own dependency is a tarball URL elsewhere.
    {
      name: 'wrapper',
      version: '1.0.0',
      dependencies: { payload: outside.tarballUrl('payload', '1.0.0') },
    },
  ]);
  for (const name of TOOLS) {
    available[name] = await installers[name].available();
  }
});

afterAll(async () => {
  await Promise.all([registry.close(), trap.close(), outside.close()]);
  await bench.remove();
});

afterEach(() => {
  // Checked after every test, and cleared, so each test answers for its own requests only.
  expect(trap.requests.splice(0)).toEqual([]);
});

/** Every file through which a tool could be pointed at the trap, by name. */
function shippedConfig(): Record<string, string> {
  const registryLines = `registry=${trap.url}\n@sc:registry=${trap.url}\n`;
  const bunfig = `[install]\nregistry = "${trap.url}"\n[install.scopes]\nsc = "${trap.url}"\n`;
  return {
    '.npmrc': registryLines,
    '.pnpmrc': registryLines,
    'bunfig.toml': bunfig,
    '.bunfig.toml': bunfig,
    'pnpm-workspace.yaml': `registry: ${trap.url}\nregistries:\n  default: ${trap.url}\n  '@sc': ${trap.url}\n`,
    '.pnpmfile.cjs': `require('fs').writeFileSync(__dirname + '/pnpmfile-ran', 'x');\nmodule.exports = { hooks: {} };\n`,
    '.pnpmfile.mjs': `import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./pnpmfile-ran', import.meta.url), 'x');\nexport const hooks = {};\n`,
    '.yarnrc': `registry "${trap.url}"\n`,
    '.yarnrc.yml': `npmRegistryServer: "${trap.url}"\n`,
    '.yarn/plugins/plugin.cjs': 'module.exports = {};\n',
    '.env': `NPM_CONFIG_REGISTRY=${trap.url}\nBUN_CONFIG_REGISTRY=${trap.url}\n`,
  };
}

function settingsFor(name: string, extra: Partial<InstallSettings> = {}): Partial<InstallSettings> {
  // A cache of its own per tool and test, so no earlier install's metadata answers for it.
  return { cacheDir: join(bench.root, `cache-${name}-${String(Date.now())}`), ...extra };
}

describe.each(TOOLS)('installing with %s', (name) => {
  const skipUnless = (skip: (condition: boolean, note: string) => void): void => {
    skip(available[name] !== true, `${name} is not available here`);
  };

  it('removes shipped installer configuration and installs from the configured registry', async ({
    skip,
  }) => {
    skipUnless(skip);
    const files = shippedConfig();
    const dir = await bench.pluginDir(MANIFEST, files);
    const { result, log } = await bench.install(dir, {
      order: [name],
      installers,
      settings: settingsFor(name, { registry: registry.url }),
    });

    expect(result.installer).toBe(name);
    expect(existsSync(join(dir, 'node_modules/@sc/dep/package.json'))).toBe(true);
    expect(registry.requests).toContain('GET /@sc/dep');
    for (const file of [
      '.npmrc',
      '.pnpmrc',
      'bunfig.toml',
      '.bunfig.toml',
      'pnpm-workspace.yaml',
    ]) {
      expect(existsSync(join(dir, file))).toBe(false);
      expect(log).toContain(
        `[install] removed ${file}: installer configuration shipped in a plugin is ignored; the server's own settings apply`,
      );
    }
    for (const file of ['.pnpmfile.cjs', '.pnpmfile.mjs', '.yarnrc', '.yarnrc.yml', '.yarn']) {
      expect(existsSync(join(dir, file))).toBe(false);
    }
    expect(log.some((line) => line.startsWith('[install] removed .yarn/: '))).toBe(true);
    expect(existsSync(join(dir, 'pnpmfile-ran'))).toBe(false);
    // The plugin's own .env stays; bun is told not to read it.
    expect(existsSync(join(dir, '.env'))).toBe(true);
  });

  it("uses the operator's <cacheDir>/home/.npmrc, never the server's environment", async ({
    skip,
  }) => {
    skipUnless(skip);
    const settings = settingsFor(name);
    const cacheDir = settings.cacheDir ?? '';
    await mkdir(join(cacheDir, 'home'), { recursive: true });
    await writeFile(
      join(cacheDir, 'home/.npmrc'),
      `registry=${registry.url}\n@sc:registry=${registry.url}\n`,
    );
    // What a server started through npm, or with a stray setting, could have in its environment.
    const elsewhere = join(bench.root, `elsewhere-${name}`);
    await mkdir(join(elsewhere, 'pnpm'), { recursive: true });
    await writeFile(join(elsewhere, 'npmrc'), `registry=${trap.url}\n@sc:registry=${trap.url}\n`);
    await writeFile(join(elsewhere, 'pnpm/rc'), `registry=${trap.url}\n`);
    await writeFile(join(elsewhere, '.bunfig.toml'), `[install]\nregistry = "${trap.url}"\n`);
    const steering = {
      npm_config_registry: trap.url,
      NPM_CONFIG_REGISTRY: trap.url,
      BUN_CONFIG_REGISTRY: trap.url,
      npm_config_userconfig: join(elsewhere, 'npmrc'),
      npm_config_globalconfig: join(elsewhere, 'npmrc'),
      XDG_CONFIG_HOME: elsewhere,
    };
    const saved = Object.fromEntries(Object.keys(steering).map((key) => [key, process.env[key]]));
    Object.assign(process.env, steering);
    try {
      const dir = await bench.pluginDir(MANIFEST);
      const { result } = await bench.install(dir, { order: [name], installers, settings });
      expect(result.installer).toBe(name);
      expect(existsSync(join(dir, 'node_modules/@sc/dep/package.json'))).toBe(true);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) {
          Reflect.deleteProperty(process.env, key);
        } else {
          process.env[key] = value;
        }
      }
    }
  });
});

// Each tool's own switch, shown without the deletion in front of it: the installer is called
// directly, so the shipped file is still there when the tool runs.
describe('switches that hold even when a shipped file is left in place', () => {
  it('bun reads the server-owned bunfig.toml, not the plugin’s', async ({ skip }) => {
    skip(available.bun !== true, 'bun is not available here');
    const { 'bunfig.toml': bunfig = '' } = shippedConfig();
    const dir = await bench.pluginDir(MANIFEST, { 'bunfig.toml': bunfig });
    const log: string[] = [];
    await installers.bun.install(
      { dir, log: (line) => log.push(line) },
      {
        ...bench.settings,
        ...settingsFor('bun-direct', { registry: registry.url }),
      },
    );

    expect(existsSync(join(dir, 'bunfig.toml'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/@sc/dep/package.json'))).toBe(true);
  });

  it('pnpm does not load the plugin’s .pnpmfile.cjs', async ({ skip }) => {
    skip(available.pnpm !== true, 'pnpm is not available here');
    const { '.pnpmfile.cjs': pnpmfile = '' } = shippedConfig();
    const dir = await bench.pluginDir(MANIFEST, { '.pnpmfile.cjs': pnpmfile });
    await installers.pnpm.install(
      { dir, log: () => undefined },
      {
        ...bench.settings,
        ...settingsFor('pnpm-direct', { registry: registry.url }),
      },
    );

    expect(existsSync(join(dir, 'node_modules/dep/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'pnpmfile-ran'))).toBe(false);
  });

  it('pnpm does not download the Node.js that engines.runtime asks for', async ({ skip }) => {
    skip(available.pnpm !== true, 'pnpm is not available here');
    const runtime = { name: 'node', version: '22.0.0', onFail: 'download' };
    const dir = await bench.pluginDir({
      ...MANIFEST,
      engines: { runtime },
      devEngines: { runtime },
    });
    const { log } = await bench.install(dir, {
      order: ['pnpm'],
      installers,
      settings: settingsFor('pnpm-runtime', { registry: registry.url }),
    });

    // Without the switch pnpm fetches nodejs.org (and retries for minutes where it is offline).
    expect(log.filter((line) => line.includes('nodejs.org'))).toEqual([]);
    expect(existsSync(join(dir, 'node_modules/node'))).toBe(false);
  });
});

// The package's own dependencies are checked before the install; a registry package's own
// non-registry dependencies only appear during it. npm refuses to fetch them (--allow-remote and
// its kin); pnpm fetches, then refuses (block-exotic-subdeps); bun fetches and the server refuses
// what its lockfile then records. Either way the install fails and nothing of it is used.
describe.each(TOOLS)("a registry package's own URL dependency with %s", (name) => {
  it('fails the install', async ({ skip }) => {
    skip(available[name] !== true, `${name} is not available here`);
    outside.requests.length = 0;
    const dir = await bench.pluginDir({ dependencies: { wrapper: '1.0.0' } });
    const error = await failure(
      bench.install(dir, {
        order: [name],
        installers,
        settings: settingsFor(name, { registry: registry.url }),
      }),
    );

    expect(error.code).toBe('PSRV_INSTALL_FAILED');
    expect(registry.requests).toContain('GET /wrapper');
    if (name === 'npm') {
      expect(outside.requests).toEqual([]);
    }
    if (name === 'bun') {
      expect(error.message).toMatch(
        /^a dependency's own dependencies made bun install "payload" as "payload@http:\/\/127\.0\.0\.1:\d+\/payload\/-\/payload-1\.0\.0\.tgz", which is not from the registry; depend on a version of that dependency without it, or pin it to a registry version with "overrides" in package\.json$/,
      );
    }
  });
});

describe('a shipped node_modules folder', () => {
  it('is refused before any installer runs', async () => {
    const { installers: recording, spawned } = recordingInstallers();
    const dir = await bench.pluginDir(MANIFEST, {
      'node_modules/dep/package.json': { name: 'dep', version: '1.0.0' },
    });
    const error = await failure(bench.install(dir, { installers: recording }));

    expect(error.code).toBe('PSRV_PACKAGE_INVALID');
    expect(error.message).toMatch(/^the package ships a node_modules folder/);
    expect(error.message).toContain('plugboard plugin pack');
    expect(spawned).toEqual([]);
  });
});

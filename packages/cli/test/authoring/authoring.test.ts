// `plugboard plugin init | validate | manifest | pack | test`, run as real commands in temp folders.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '@plugboard/protocol';
import { startPluginProcess } from '../helpers/plugin-process.ts';
import { runCli } from './cli-run.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('../../../../examples/hello-world', import.meta.url));

let work: string;
let demo: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plugboard-cli-'));
  demo = join(work, 'demo');
  const init = await runCli(['plugin', 'init', 'demo'], work);
  expect(init.code, init.stderr).toBe(0);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function archiveEntries(file: string): Promise<string[]> {
  const entries: string[] = [];
  await list({ file, onReadEntry: (entry) => entries.push(entry.path) });
  return entries;
}

describe('plugin init', () => {
  it('writes a plugin with a node, an integration, a test and a README', async () => {
    const packageJson = JSON.parse(await readFile(join(demo, 'package.json'), 'utf8')) as {
      plugboard: { entry: string };
    };
    expect(packageJson.plugboard.entry).toBe('src/index.ts');
    expect(await readFile(join(demo, 'src/index.ts'), 'utf8')).toContain('defineIntegration');
    expect(await readFile(join(demo, 'test/greet.test.ts'), 'utf8')).toContain('createTestHarness');
  });

  it('refuses an existing folder and a name that cannot be an id, saying why', async () => {
    const again = await runCli(['plugin', 'init', 'demo'], work);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CLI_TARGET_EXISTS');
    const bad = await runCli(['plugin', 'init', 'Bad Name'], work);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CLI_USAGE: "Bad Name" cannot be a plugin id: use 2–64 characters/);
  });
});

describe('plugin validate and manifest', () => {
  it('validates the scaffold and prints a summary', async () => {
    const result = await runCli(['plugin', 'validate'], demo);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ demo@0.1.0 is valid');
    expect(result.stdout).toContain('1 node (greet)');
    expect(result.stdout).toContain('1 integration (example-api)');
  });

  it('prints a manifest that the one manifest schema accepts, the same every time', async () => {
    const first = await runCli(['plugin', 'manifest', demo], work);
    const second = await runCli(['plugin', 'manifest', demo], work);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const manifest = manifestSchema.parse(JSON.parse(first.stdout));
    expect(manifest.nodes[0]?.config).toMatchObject({
      properties: { style: { enum: ['plain', 'excited'], default: 'plain' } },
    });
    expect(manifest.integrations[0]?.credentials).toMatchObject({
      properties: { apiKey: { writeOnly: true } },
    });
  });

  it('reports a missing entry, a broken module and a version mismatch with the fix', async () => {
    const broken = join(work, 'broken');
    await mkdir(join(broken, 'src'), { recursive: true });
    await writeFile(
      join(broken, 'package.json'),
      JSON.stringify({ name: 'broken', version: '1.0.0' }),
    );
    let result = await runCli(['plugin', 'validate', broken], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('add "plugboard": { "entry": "src/index.ts" } to package.json');

    await writeFile(
      join(broken, 'package.json'),
      JSON.stringify({ name: 'broken', version: '1.0.0', plugboard: { entry: 'src/index.ts' } }),
    );
    await writeFile(join(broken, 'src/index.ts'), 'export const notAPlugin = 1;\n');
    result = await runCli(['plugin', 'validate', broken], work);
    expect(result.stderr).toContain(
      'must `export default definePlugin({...})` (found no default export)',
    );

    await writeFile(
      join(broken, 'src/index.ts'),
      "import { definePlugin, defineNode, z } from '@plugboard/sdk';\n" +
        "const n = defineNode({ name: 'n', title: 'N', inputs: z.object({}), outputs: z.object({}), run: () => ({}) });\n" +
        "export default definePlugin({ id: 'broken', version: '2.0.0', displayName: 'Broken', nodes: [n] });\n",
    );
    result = await runCli(['plugin', 'validate', broken], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'package.json has version "1.0.0" but definePlugin says "2.0.0"; make them equal',
    );

    await writeFile(
      join(broken, 'src/index.ts'),
      "import { definePlugin, defineNode, z } from '@plugboard/sdk';\n" +
        "const n = defineNode({ name: 'n', title: 'N', inputs: z.object({}), outputs: z.object({}), run: () => ({}) });\n" +
        "export default definePlugin({ id: 'Broken!', version: '1.0', displayName: 'Broken', nodes: [n, n] });\n",
    );
    result = await runCli(['plugin', 'validate', broken], work);
    expect(result.stderr).toContain('id "Broken!"');
    expect(result.stderr).toContain('version "1.0": use a semantic version');
    expect(result.stderr).toContain('two nodes are named "n"');
  });
});

describe('plugin pack', () => {
  it('writes the same bytes twice, with the manifest and without node_modules, VCS folders or earlier packs', async () => {
    await mkdir(join(demo, 'node_modules/dep'), { recursive: true });
    await writeFile(join(demo, 'node_modules/dep/index.js'), 'x');
    await mkdir(join(demo, '.git'), { recursive: true });
    await writeFile(join(demo, '.git/HEAD'), 'ref');
    await writeFile(join(demo, 'old-0.0.1.tar.gz'), 'old pack');

    const first = await runCli(['plugin', 'pack'], demo);
    expect(first.code, first.stderr).toBe(0);
    const file = join(demo, 'demo-0.1.0.tar.gz');
    expect(first.stdout.trim()).toBe(file);
    expect(first.stderr).toMatch(/integrity sha256-[A-Za-z0-9+/]+=*/);
    const bytes1 = await readFile(file);

    await chmod(join(demo, 'README.md'), 0o600);
    const second = await runCli(['plugin', 'pack'], demo);
    expect(second.code).toBe(0);
    const bytes2 = await readFile(file);
    expect(createHash('sha256').update(bytes2).digest('hex')).toBe(
      createHash('sha256').update(bytes1).digest('hex'),
    );

    expect((await archiveEntries(file)).sort()).toEqual(
      [
        '.gitignore',
        'README.md',
        'package.json',
        'plugboard.manifest.json',
        'src/index.ts',
        'test/greet.test.ts',
        'tsconfig.json',
      ].sort(),
    );
  });

  it('refuses symbolic links, which Plugin Servers would refuse', async () => {
    const linked = join(work, 'linked');
    await runCli(['plugin', 'init', 'linked'], work);
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc/hostname', join(linked, 'host-link'));
    const result = await runCli(['plugin', 'pack'], linked);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('host-link is a symbolic link');
  });
});

describe("the author's guide, first five minutes", () => {
  it('serves the scaffold: handshake, health, manifest and execute with the token, refused without', async () => {
    const served = await startPluginProcess({ dir: demo });
    try {
      expect((await served.call('/health', undefined, { token: null })).status).toBe(200);
      expect((await served.call('/manifest', undefined, { token: null })).status).toBe(401);
      expect(manifestSchema.parse(await (await served.call('/manifest')).json()).id).toBe('demo');
      const body = { inputs: { name: 'Ada' }, config: { style: 'excited' } };
      expect((await served.call('/nodes/greet/execute', body, { token: null })).status).toBe(401);
      const response = await served.call('/nodes/greet/execute', body);
      expect(await response.json()).toMatchObject({ outputs: { greeting: 'Hello, Ada!' } });
    } finally {
      await served.stop();
    }
  });

  it('without a token in the environment, generates one and logs it', async () => {
    const served = await startPluginProcess({ dir: demo, env: { PLUGBOARD_PLUGIN_TOKEN: '' } });
    try {
      const line = await served.waitForLog((l) => typeof l['token'] === 'string');
      expect(line['msg']).toContain('generated token');
      expect(
        (await served.call('/manifest', undefined, { token: line['token'] as string })).status,
      ).toBe(200);
      expect((await served.call('/manifest')).status).toBe(401);
    } finally {
      await served.stop();
    }
  });
});

describe('plugin test', () => {
  it("runs the example plugin's tests", async () => {
    const result = await runCli(['plugin', 'test', '--dir', EXAMPLE_DIR], work);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/pass 3/);
  });

  it("runs the scaffold's tests with the SDK supplied", async () => {
    const result = await runCli(['plugin', 'test'], demo);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/pass 5/);
  });

  it('fails with the runner’s exit code when a test fails', async () => {
    await writeFile(
      join(demo, 'test/failing.test.ts'),
      "import { test } from 'node:test';\nimport assert from 'node:assert';\ntest('fails', () => assert.equal(1, 2));\n",
    );
    const result = await runCli(['plugin', 'test'], demo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CLI_TESTS_FAILED');
    await rm(join(demo, 'test/failing.test.ts'));
  });
});

describe('plugin typecheck', () => {
  it('passes the scaffold with the SDK and Node types supplied, and lists a type error', async () => {
    const clean = await runCli(['plugin', 'typecheck'], demo);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    const source = join(demo, 'src/index.ts');
    const original = await readFile(source, 'utf8');
    await writeFile(source, `${original}\nexport const wrong: number = 'text';\n`);
    try {
      const broken = await runCli(['plugin', 'typecheck'], demo);
      expect(broken.code).not.toBe(0);
      expect(broken.stdout).toContain("Type 'string' is not assignable to type 'number'");
      expect(broken.stderr).toContain('CLI_TYPECHECK_FAILED');
    } finally {
      await writeFile(source, original);
    }
  }, 60_000);
});

describe('help', () => {
  it.each([
    ['plugin', 'init'],
    ['plugin', 'validate'],
    ['plugin', 'manifest'],
    ['plugin', 'pack'],
    ['plugin', 'serve'],
    ['plugin', 'test'],
  ])('%s %s --help explains itself', async (...command) => {
    const result = await runCli([...command, '--help'], work);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: plugboard ${command.join(' ')}`);
  });

  it('reports an unknown option as a usage error', async () => {
    const result = await runCli(['plugin', 'serve', '--bogus'], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--bogus'/i);
    const viaTree = await runCli(['plugin', 'pack', '--bogus'], work);
    expect(viaTree.code).toBe(2);
    expect(viaTree.stderr).toMatch(/unknown option '--bogus'/i);
  });

  it('reports every invalid serve option at once', async () => {
    const result = await runCli(
      ['plugin', 'serve', demo, '--port', 'abc', '--max-concurrency', '0', '--log-level', 'loud'],
      work,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SDK_CONFIG_INVALID');
    for (const field of ['port', 'maxConcurrency', 'logLevel']) {
      expect(result.stderr).toContain(`${field}:`);
    }
  });
});

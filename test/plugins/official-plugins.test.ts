// Every official plugin in plugins/ passes its own tests and validation the way an author runs
// them: `plugboard plugin test` and `plugboard plugin validate` in its folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPlugboard } from '../helpers/plugboard-cli.ts';

const PLUGINS = fileURLToPath(new URL('../../plugins/', import.meta.url));
const folders = readdirSync(PLUGINS).filter((name) => statSync(join(PLUGINS, name)).isDirectory());

describe('official plugins', () => {
  it('are the five the marketplace ships', () => {
    expect(folders.sort()).toEqual(['csv', 'http-request', 'json-query', 'markdown', 'text-tools']);
  });

  it('ask the sandbox for nothing but the network http-request needs', () => {
    for (const name of folders) {
      const manifest = JSON.parse(
        readFileSync(join(PLUGINS, name, 'plugboard.manifest.json'), 'utf8'),
      ) as { permissions?: unknown; resources?: unknown };
      expect(manifest.resources, name).toBeUndefined();
      expect(manifest.permissions, name).toEqual(
        name === 'http-request' ? { network: true } : undefined,
      );
    }
  });

  it.each(folders)(
    '%s passes its tests and validation',
    async (name) => {
      const dir = join(PLUGINS, name);
      const tests = await runPlugboard(['plugin', 'test'], { cwd: dir });
      expect(tests.code, tests.stdout + tests.stderr).toBe(0);
      expect(tests.stdout).toMatch(/fail 0/);
      const validation = await runPlugboard(['plugin', 'validate'], { cwd: dir });
      expect(validation.code, validation.stderr).toBe(0);
      expect(validation.stdout).toContain(`✓ ${name}@`);
    },
    60_000,
  );
});

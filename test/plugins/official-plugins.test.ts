// Every official plugin in plugins/ passes its own tests and validation the way an author runs
// them: `plugboard plugin test` and `plugboard plugin validate` in its folder.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PLUGINS = fileURLToPath(new URL('../../plugins/', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/cli/bin/plugboard.js', import.meta.url));
const folders = readdirSync(PLUGINS).filter((name) => statSync(join(PLUGINS, name)).isDirectory());

function plugboard(
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      resolve({ code, out });
    });
  });
}

describe('official plugins', () => {
  it('are the five the marketplace ships', () => {
    expect(folders.sort()).toEqual(['csv', 'http-request', 'json-query', 'markdown', 'text-tools']);
  });

  it.each(folders)(
    '%s passes its tests and validation',
    async (name) => {
      const dir = join(PLUGINS, name);
      const tests = await plugboard(['plugin', 'test'], dir);
      expect(tests.code, tests.out).toBe(0);
      expect(tests.out).toMatch(/fail 0/);
      const validation = await plugboard(['plugin', 'validate'], dir);
      expect(validation.code, validation.out).toBe(0);
      expect(validation.out).toContain(`✓ ${name}@`);
    },
    60_000,
  );
});

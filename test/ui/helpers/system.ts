// The real system for the UI tests: `npm start` from the repository root in its own process group
// (its prestart builds the UI when needed), stopped with Ctrl-C to the group; and Debian's
// Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CLI, ctrlC, npmStart, ROOT, type Started } from '../../helpers/npm-start.ts';

export { ROOT };
const CHROMIUM = process.env['PLUGBOARD_CHROMIUM'] ?? '/usr/bin/chromium';

export interface System extends Started {
  readonly url: string;
  readonly token: string;
}

export async function startSystem(dataDir: string): Promise<System> {
  const started = await npmStart(['--data-dir', dataDir, '--port', '0', '--server-port', '0']);
  const seen = started.output();
  const url = /web UI\s+(http:\/\/\S+?)\/?\s/.exec(seen)?.[1];
  const token = /admin token\s+(pbt_\S+)/.exec(seen)?.[1];
  if (url === undefined || token === undefined) {
    throw new Error(`no web UI URL or admin token in the output (is the UI built?):\n${seen}`);
  }
  return { ...started, url, token };
}

/** Ctrl-C to the whole group; resolves once every process of it is gone. */
export function stopSystem(system: System): Promise<void> {
  return ctrlC(system);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** `plugboard plugin pack <dir> --out <file>`, with the project's Node. */
export function pack(dir: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'plugin', 'pack', join(ROOT, dir), '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`pack ${dir} failed (${String(code)}): ${stderr}`));
      }
    });
  });
}

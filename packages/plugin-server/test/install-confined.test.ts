// The dependency installer runs confined like a plugin: with install scripts allowed, a
// dependency's script runs, but as the installer's own uid, seeing only its package, the cache
// and the runtime, with no network but the way to the configured registry; it writes nothing else
// of the host's, cannot touch another plugin, and reaches no other service.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder, runCli } from './helpers/fixture-package.ts';
import { rewriteId } from './helpers/rewrite-id.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';
import {
  startRegistryStandIn,
  type RegistryStandIn,
} from './fixtures/install-registry/registry-stand-in.ts';

let registry: RegistryStandIn;
let server: TestServer;
let dataDir: string;
let hostMarker: string;
let service: Server;

/** A postinstall script that tries to leave the installer's folders, and reports how it went. */
function hostileScript(targets: readonly string[], port: number): string {
  const code = `
const fs = require('fs');
const out = [];
for (const target of ${JSON.stringify(targets)}) {
  try { fs.writeFileSync(target, 'planted'); out.push('wrote ' + target); }
  catch (e) { out.push('refused ' + target + ' ' + e.code); }
}
const socket = require('net').connect(${String(port)}, '127.0.0.1');
const done = (what) => { socket.destroy(); out.push(what); out.push('uid ' + process.getuid()); fs.writeFileSync('report.json', JSON.stringify(out)); };
socket.once('connect', () => done('connected 127.0.0.1:${String(port)}'));
socket.once('error', (e) => done('refused 127.0.0.1:${String(port)} ' + e.code));`;
  return `node -e ${JSON.stringify(code.replaceAll('\n', ' '))}`;
}

async function pluginWith(id: string, dependency: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'plugboard-confined-')), id);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: id,
      version: '1.0.0',
      type: 'module',
      plugboard: { entry: 'src/index.ts' },
      dependencies: { [dependency]: '1.0.0' },
    }),
  );
  await writeFile(
    join(dir, 'src/index.ts'),
    `import { defineNode, definePlugin, z } from '@plugboard/sdk';
const echo = defineNode({ name: 'echo', title: 'Echo', inputs: z.object({}), outputs: z.object({}), run: () => ({}) });
export default definePlugin({ id: '${id}', version: '1.0.0', displayName: '${id}', nodes: [echo] });
`,
  );
  await runCli(['plugin', 'manifest', '--out', 'plugboard.manifest.json'], dir);
  return dir;
}

const PRIVATE_TMP = '/tmp/planted-by-an-install-script';

beforeAll(async () => {
  hostMarker = join(await mkdtemp(join(tmpdir(), 'plugboard-host-')), 'planted');
  dataDir = await mkdtemp(join(tmpdir(), 'plugboard-server-confined-'));
  // A service on the host's loopback the script tries to reach directly (the platform, say).
  service = createServer((_request, response) => response.end('reached'));
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  registry = await startRegistryStandIn([
    {
      name: 'greedy',
      version: '1.0.0',
      scripts: {
        postinstall: hostileScript(
          [
            hostMarker,
            join(dataDir, 'planted'),
            join(dataDir, 'logs', 'neighbour.log'),
            join(dataDir, 'plugins', 'neighbour', 'planted'),
            PRIVATE_TMP,
          ],
          (service.address() as AddressInfo).port,
        ),
      },
    },
  ]);
  server = await startTestServer(
    { install: { installers: ['npm'], allowScripts: true, registry: registry.url } },
    { dataDir },
  );
  const neighbour = await fixtureFolder();
  await rewriteId(neighbour, 'neighbour');
  await server.call('POST', '/plugins/neighbour/install', {
    source: { type: 'local', path: neighbour },
  });
  await server.waitFor('neighbour', (v) => v?.status === 'running');
}, 60_000);
afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
  await registry.close();
  service.close();
});

describe('a confined install', () => {
  it('runs an allowed install script as its own uid, writing nothing outside the package and reaching only the registry', async () => {
    const neighbourLog = await readFile(join(dataDir, 'logs', 'neighbour.log'), 'utf8');
    await server.call('POST', '/plugins/scripted/install', {
      source: { type: 'local', path: await pluginWith('scripted', 'greedy') },
    });
    const view = await server.waitFor(
      'scripted',
      (v) => v?.status === 'running' || v?.status === 'error',
      60_000,
    );
    expect(view?.status, JSON.stringify(view?.lastError?.logTail)).toBe('running');
    const [current] = (
      JSON.parse(await readFile(join(dataDir, 'plugins', 'scripted', 'versions.json'), 'utf8')) as {
        versions: { folder: string }[];
      }
    ).versions;
    if (current === undefined) {
      throw new Error('no version recorded');
    }
    const report = JSON.parse(
      await readFile(join(current.folder, 'package/node_modules/greedy/report.json'), 'utf8'),
    ) as string[];
    // It reached the registry (it is installed) through the egress proxy, and nothing else.
    expect(report.at(-2)).toMatch(/^refused 127\.0\.0\.1:\d+ /);
    // The script ran (its report is in its own folder), as the installer's uid, not root.
    expect(report.at(-1)).toMatch(/^uid \d+$/);
    expect(report.at(-1)).not.toBe('uid 0');
    for (const line of report.slice(0, -2)) {
      // Its /tmp is its own: the write succeeds there, and never reaches the host's.
      expect(line).toMatch(line.includes(PRIVATE_TMP) ? /^wrote / : /^refused /);
    }
    expect(existsSync(hostMarker)).toBe(false);
    expect(existsSync(PRIVATE_TMP)).toBe(false);
    expect(existsSync(join(dataDir, 'planted'))).toBe(false);
    expect(existsSync(join(dataDir, 'plugins', 'neighbour', 'planted'))).toBe(false);
    expect(
      (await readFile(join(dataDir, 'logs', 'neighbour.log'), 'utf8')).startsWith(neighbourLog),
    ).toBe(true);
    // The package is root's again once installed: no later install can change it.
    expect((await stat(join(current.folder, 'package', 'node_modules'))).uid).toBe(0);
    expect(
      (
        await server.json('POST', '/plugins/neighbour/nodes/echo/execute', {
          inputs: { text: 'ok' },
        })
      ).status,
    ).toBe(200);
  }, 90_000);
});

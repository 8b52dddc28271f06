// The built web UI served by the platform: files and the app's own routes without a token, the
// API still closed, nothing outside the UI's folder reachable.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import { SERVER_API_KEY, startTestPlatform, type TestPlatform } from './helpers/test-platform.ts';

describe('the web UI', () => {
  let stand: StandInPluginServer;
  let t: TestPlatform;
  let webDir: string;

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'plugboard-web-'));
    await mkdir(join(webDir, 'assets'));
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>Plugboard</title>');
    await writeFile(join(webDir, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(join(webDir, '..', 'outside.txt'), 'secret');
    stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
    t = await startTestPlatform({ pluginServerUrl: stand.url, webDir });
  });
  afterAll(async () => {
    await t.close();
    await stand.close();
    await rm(webDir, { recursive: true, force: true });
    await rm(join(webDir, '..', 'outside.txt'), { force: true });
  });

  const get = (path: string) => fetch(`${t.url}${path}`);

  it('serves the app and its assets without a token', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>Plugboard</title>');
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const asset = await get('/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it("answers the app's own routes with index.html", async () => {
    const deep = await get('/workflows/wf_123/runs');
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toContain('text/html');
    expect(await deep.text()).toContain('<title>Plugboard</title>');
  });

  it('keeps the API closed and answers unknown API paths as the API does', async () => {
    expect((await get('/api/plugins')).status).toBe(401);
    const unknown = await get('/api/nothing');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe(
      'PLAT_NOT_FOUND',
    );
  });

  it('answers a malformed escape with 400, not 500', async () => {
    expect((await get('/workflows/%E0%A4%A')).status).toBe(400);
  });

  it('reaches nothing outside its folder', async () => {
    for (const path of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/assets/%2e%2e/%2e%2e/outside.txt',
    ]) {
      const answer = await get(path);
      expect(await answer.text(), path).not.toContain('secret');
    }
  });
});

// Requests reach only public addresses unless the plugin's config allows more. Every refusal here
// happens before a connection is opened, so nothing is sent anywhere but to the loopback server.
import assert from 'node:assert/strict';
import dns, { type LookupAddress } from 'node:dns';
import type { Server } from 'node:http';
import { after, before, describe, it, mock } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { request } from '../src/index.ts';
import { echo, json, listen } from './servers.ts';

let local: { server: Server; base: string };
let port: string;
let served = 0;

before(async () => {
  local = await listen((req, body, res) => {
    served += 1;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const redirects: Record<string, string> = {
      '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
      '/to-other-loopback': `http://127.0.0.2:${port}/echo`,
      '/to-ipv6-loopback': `http://[::1]:${port}/echo`,
    };
    const location = redirects[path];
    if (location !== undefined) {
      res.writeHead(302, { location });
      res.end();
      return;
    }
    json(res, 200, echo(req, body));
  });
  port = new URL(local.base).port;
});

after(() => {
  local.server.closeAllConnections();
  local.server.close();
});

/** The callback of dns.lookup with `all: true`, which the plugin's lookup always asks for. */
type Resolved = (error: null, addresses: LookupAddress[]) => void;

type Refusal = { code: string; message: string; details: { address: string; reason: string } };

/** Asserts a refusal that reached the server only for the redirects before it, and returns it. */
async function refused(run: Promise<unknown>, redirects = 0): Promise<Refusal> {
  const before = served + redirects;
  let caught: Refusal | undefined;
  await assert.rejects(run, (error: Refusal) => {
    caught = error;
    return true;
  });
  assert.ok(caught);
  assert.equal(caught.code, 'DESTINATION_NOT_ALLOWED', caught.message);
  assert.equal(served, before, 'a refused request reached the server');
  return caught;
}

describe('destinations with the default config (public addresses only)', () => {
  const harness = createTestHarness(plugin);
  const get = (url: string) => harness.execute(request, { url });

  it('refuses loopback in every spelling, and says how to allow it', async () => {
    for (const host of [
      'localhost',
      'LOCALHOST',
      '127.0.0.1',
      '127.1.2.3',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '[64:ff9b::127.0.0.1]',
      '2130706433',
      '0177.0.0.1',
      '0x7f.0.0.1',
      '0x7f000001',
      '0.0.0.0',
      '[::]',
    ]) {
      const error = await refused(get(`http://${host}:${port}/echo`));
      assert.match(error.details.reason, /loopback|unspecified/, host);
      assert.match(
        error.message,
        /set allowPrivateNetworks to true.*or add ".+" to its allowedHosts/,
      );
    }
  });

  it('refuses private, link-local, CGNAT, multicast and metadata addresses', async () => {
    const expected: [string, RegExp][] = [
      ['10.0.0.1', /private-network/],
      ['172.16.5.4', /private-network/],
      ['192.168.1.1', /private-network/],
      ['[fd12:3456::1]', /fc00::\/7/],
      ['[fe80::1]', /link-local/],
      ['169.254.1.1', /link-local/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['224.0.0.1', /multicast/],
      ['169.254.169.254', /cloud metadata/],
      ['[fd00:ec2::254]', /cloud metadata/],
      ['100.100.100.200', /cloud metadata/],
    ];
    for (const [host, reason] of expected) {
      const error = await refused(get(`http://${host}/latest/meta-data/`));
      assert.match(error.details.reason, reason, host);
    }
  });

  it('checks every address a host name resolves to, on the lookup the connection uses', async (t) => {
    const answers: Record<string, string[]> = {
      'rebind.test': ['93.184.216.34', '127.0.0.1'],
      'metadata.test': ['169.254.169.254'],
      'mapped.test': ['::ffff:10.1.2.3'],
    };
    const lookups: string[] = [];
    t.mock.method(dns, 'lookup', ((host: string, _options: unknown, callback: Resolved) => {
      lookups.push(host);
      const found = (answers[host] ?? []).map((address) => ({
        address,
        family: address.includes(':') ? 6 : 4,
      }));
      callback(null, found);
    }) as unknown as typeof dns.lookup);
    for (const host of Object.keys(answers)) {
      const error = await refused(get(`http://${host}:${port}/echo`));
      assert.match(error.message, new RegExp(`${host} resolves to`));
    }
    assert.deepEqual(lookups, Object.keys(answers));
  });
});

describe('destinations an operator allows in the plugin config', () => {
  it('reaches private addresses with allowPrivateNetworks, never metadata endpoints', async () => {
    const open = createTestHarness(plugin, { pluginConfig: { allowPrivateNetworks: true } });
    const result = await open.execute(request, { url: `http://localhost:${port}/echo` });
    assert.equal(result.status, 200);
    const direct = await refused(open.execute(request, { url: 'http://169.254.169.254/' }));
    assert.match(direct.message, /allowPrivateNetworks does not open metadata endpoints/);
    await refused(open.execute(request, { url: `${local.base}/to-metadata` }), 1);
  });

  it('reaches listed hosts, addresses and ranges only, and checks every redirect', async () => {
    const byAddress = createTestHarness(plugin, { pluginConfig: { allowedHosts: ['127.0.0.1'] } });
    assert.equal((await byAddress.execute(request, { url: `${local.base}/echo` })).status, 200);
    for (const hop of ['/to-other-loopback', '/to-ipv6-loopback', '/to-metadata']) {
      await refused(byAddress.execute(request, { url: `${local.base}${hop}` }), 1);
    }
    const byRange = createTestHarness(plugin, { pluginConfig: { allowedHosts: ['127.0.0.0/8'] } });
    assert.equal((await byRange.execute(request, { url: `${local.base}/echo` })).status, 200);
    // The range lets the hop to 127.0.0.2 through; nothing listens there, so it fails to connect.
    await assert.rejects(byRange.execute(request, { url: `${local.base}/to-other-loopback` }), {
      code: 'REQUEST_FAILED',
      message: /ECONNREFUSED 127\.0\.0\.2/,
    });
    const byName = createTestHarness(plugin, { pluginConfig: { allowedHosts: ['LocalHost'] } });
    assert.equal((await byName.execute(request, { url: `http://localhost:${port}/` })).status, 200);
    await refused(byName.execute(request, { url: `${local.base}/echo` }));
  });

  it('connects to the address it checked, whatever a later lookup would say', async () => {
    const pinned = createTestHarness(plugin, { pluginConfig: { allowedHosts: ['127.0.0.1'] } });
    let lookups = 0;
    const lookup = mock.method(dns, 'lookup', ((
      _host: string,
      _options: unknown,
      callback: Resolved,
    ) => {
      // A rebinding answer: the checked address first, anything else on later lookups.
      lookups += 1;
      callback(null, [{ address: lookups === 1 ? '127.0.0.1' : '10.0.0.1', family: 4 }]);
    }) as unknown as typeof dns.lookup);
    try {
      const result = await pinned.execute(request, { url: `http://pinned.test:${port}/echo` });
      assert.equal((result.body as ReturnType<typeof echo>).headers.host, `pinned.test:${port}`);
      assert.equal(lookups, 1);
    } finally {
      lookup.mock.restore();
    }
  });

  it('refuses allowedHosts entries that are neither host, address nor range', async () => {
    const harness = createTestHarness(plugin);
    const valid = await harness.validateConfig({
      allowedHosts: ['intranet.example.com', '10.20.0.0/16', '::1', '[fd00::1]', '192.168.1.7'],
    });
    assert.deepEqual(valid, { valid: true, issues: [] });
    const invalid = await harness.validateConfig({
      allowedHosts: ['http://x.example', '10.0.0.0/99', 'two words'],
    });
    assert.equal(invalid.valid, false);
    assert.deepEqual(
      invalid.issues.map((issue) => issue.path),
      [0, 1, 2].map((index) => ['allowedHosts', index]),
    );
  });
});

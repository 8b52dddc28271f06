// Plugin records as the platform keeps them, against a stand-in Plugin Server on a real port:
// install (tokens handed over, never shown), refusals and outages, signed status webhooks
// (ordering, signatures, keys, uninstall races), plugin config with secret fields, and the
// reconcile nudge at start (the Plugin Server pulls the desired state; the platform never pushes
// it). On the embedded PGlite and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredState } from '@plugboard/server-api';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import {
  createPostgresDatabase,
  PLATFORM_KEY,
  postStatus,
  SERVER_API_KEY,
  startTestPlatform,
  testManifest,
  USER_TOKEN,
  type Envelope,
  type TestPlatform,
} from './helpers/test-platform.ts';

interface PluginView {
  id: string;
  status: string;
  reason?: string;
  source: Record<string, unknown>;
  config: Record<string, unknown>;
  nodes: string[];
  restarts: number;
}

const GIT_TOKEN = 'ghp_private-repo-token-4242';
const gitSource = (name: string) => ({
  type: 'git' as const,
  url: `https://git.example.com/acme/${name}.git`,
  ref: 'main',
  token: GIT_TOKEN,
});

const kinds = ['pglite', 'postgres'] as const;

describe.each(kinds)('plugin records (%s)', (kind) => {
  let stand: StandInPluginServer;
  let t: TestPlatform;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
    let databaseUrl: string | undefined;
    if (kind === 'postgres') {
      const database = await createPostgresDatabase();
      databaseUrl = database.url;
      dropDatabase = () => database.drop();
    }
    t = await startTestPlatform({
      pluginServerUrl: stand.url,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    });
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await stand?.close();
    await dropDatabase?.();
  });

  const plugin = (id: string) => t.json<PluginView>('GET', `/api/plugins/${id}`);
  const nodeTypes = async () =>
    (await t.json<{ nodes: { type: string }[] }>('GET', '/api/nodes')).body.nodes.map(
      (n) => n.type,
    );
  const desired = async () => {
    const answer = await t.json<DesiredState>('GET', '/plugin-server/desired', {
      auth: PLATFORM_KEY,
    });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const tableText = async () =>
    JSON.stringify(await t.platform.services.db.query('SELECT * FROM plugins'));
  const install = (id: string, extra: Record<string, unknown> = {}) =>
    t.json<PluginView & Partial<Envelope>>('POST', '/api/plugins', {
      body: { id, source: gitSource(id), ...extra },
    });

  describe('install', () => {
    it('records the plugin `installing` and hands the Plugin Server the source with its token, which no answer shows', async () => {
      const answer = await install('acme');
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ id: 'acme', status: 'installing', nodes: [] });
      expect(answer.body.source).toEqual({ ...gitSource('acme'), token: '********' });

      const [call, ...more] = stand.callsTo('POST', '/plugins/acme/install');
      expect(more).toEqual([]);
      expect(call?.authorization).toBe(`Bearer ${SERVER_API_KEY}`);
      expect(call?.body).toEqual({ source: gitSource('acme'), grant: {} });

      const read = await plugin('acme');
      expect(read.status).toBe(200);
      expect(read.body.status).toBe('installing');
      expect(read.body.source['token']).toBe('********');
      const list = await t.json<{ plugins: PluginView[] }>('GET', '/api/plugins');
      expect(JSON.stringify(list.body)).not.toContain(GIT_TOKEN);
      expect(list.body.plugins.map((p) => p.id)).toContain('acme');
      // Sealed at rest too.
      expect(await tableText()).not.toContain(GIT_TOKEN);
      // The Plugin Server gets the token back through the desired state.
      expect((await desired()).plugins.find((p) => p.id === 'acme')?.source).toEqual(
        gitSource('acme'),
      );
    });

    it('a second install of the same id is a conflict', async () => {
      await install('twice');
      const again = await install('twice');
      expect(again.status).toBe(409);
      expect(again.body.error?.code).toBe('PLAT_CONFLICT');
      expect(stand.callsTo('POST', '/plugins/twice/install')).toHaveLength(1);
    });

    it('leaves no record when the Plugin Server refuses the install (400)', async () => {
      stand.refuseInstall = {
        code: 'PSRV_SOURCE_REFUSED',
        message: 'private addresses are refused',
      };
      try {
        const answer = await install('refused');
        expect(answer.status).toBe(400);
        expect(answer.body.error?.code).toBe('PLAT_BAD_REQUEST');
        expect(answer.body.error?.message).toContain('private addresses are refused');
        expect(answer.body.error?.details?.['pluginServer']).toMatchObject({
          status: 400,
          code: 'PSRV_SOURCE_REFUSED',
        });
        expect(JSON.stringify(answer.body)).not.toContain(GIT_TOKEN);
      } finally {
        stand.refuseInstall = undefined;
      }
      expect(stand.callsTo('POST', '/plugins/refused/install')).toHaveLength(1);
      const read = await plugin('refused');
      expect(read.status).toBe(404);
      expect((read.body as unknown as Envelope).error.code).toBe('PLAT_PLUGIN_NOT_FOUND');
      expect((await desired()).plugins.map((p) => p.id)).not.toContain('refused');
      // Nothing blocks installing it properly afterwards.
      expect((await install('refused')).status).toBe(202);
    });

    it('keeps the record `installing` and in the desired state while the Plugin Server is down', async () => {
      await stand.down();
      try {
        const answer = await install('offline', { config: { region: 'eu' } });
        expect(answer.status).toBe(202);
        expect(answer.body.status).toBe('installing');
      } finally {
        await stand.up();
      }
      expect((await plugin('offline')).body.status).toBe('installing');
      const wanted = (await desired()).plugins.find((p) => p.id === 'offline');
      expect(wanted).toEqual({
        id: 'offline',
        source: gitSource('offline'),
        config: { region: 'eu' },
        grant: {},
        status: 'installing',
      });
    });

    it('refuses a reserved or malformed id before asking the Plugin Server', async () => {
      for (const id of ['core', 'Bad Id']) {
        const answer = await install(id);
        expect(answer.status).toBe(400);
        expect(answer.body.error?.code).toBe('PLAT_BAD_REQUEST');
      }
      expect(stand.callsTo('POST', /^\/plugins\/(core|Bad)/)).toEqual([]);
    });

    it('refuses a git URL the Plugin Server would refuse before it creates a record', async () => {
      for (const url of ['http://git.example.com/x.git', 'ext::sh', 'file:///etc']) {
        const answer = await t.json<Envelope>('POST', '/api/plugins', {
          body: { id: 'badsource', source: { type: 'git', url } },
        });
        expect(answer.status).toBe(400);
        expect((await plugin('badsource')).status).toBe(404);
      }
      expect(stand.callsTo('POST', '/plugins/badsource/install')).toEqual([]);
    });
  });

  describe('status webhooks', () => {
    const manifest = testManifest({ id: 'hooks', nodes: [{ name: 'greet' }, { name: 'shout' }] });

    beforeAll(async () => {
      expect((await install('hooks')).status).toBe(202);
    });

    it('`running` with a manifest registers the nodes', async () => {
      const answer = await postStatus(t.url, {
        pluginId: 'hooks',
        status: 'running',
        sequence: 2,
        version: '1.0.0',
        manifest,
      });
      expect(answer).toEqual({ status: 200, body: { outcome: 'applied' } });
      const read = await plugin('hooks');
      expect(read.body).toMatchObject({
        status: 'running',
        nodes: ['hooks/greet', 'hooks/shout'],
      });
      expect(await nodeTypes()).toEqual(expect.arrayContaining(['hooks/greet', 'hooks/shout']));
    });

    it('shows what the plugin asks for and what confines it, as the Plugin Server reports', async () => {
      await install('asking');
      const answer = await postStatus(t.url, {
        pluginId: 'asking',
        status: 'running',
        sequence: 2,
        version: '1.0.0',
        manifest: {
          ...testManifest({ id: 'asking', nodes: [{ name: 'fetch' }] }),
          permissions: { network: { hosts: ['api.example.com'] }, childProcesses: true },
          resources: { memoryMiB: 1024 },
        },
        sandbox: {
          confined: ['identity', 'files', 'processes', 'network', 'memory'],
          missing: [{ layer: 'cpu', why: 'no cgroup cpu controller is mounted' }],
        },
      });
      expect(answer.body).toEqual({ outcome: 'applied' });
      const read = await plugin('asking');
      expect(read.body).toMatchObject({
        asks: ['network (api.example.com)', 'child processes', '1024 MiB of memory'],
        sandbox: {
          confined: ['identity', 'files', 'processes', 'network', 'memory'],
          missing: [{ layer: 'cpu', why: 'no cgroup cpu controller is mounted' }],
        },
      });
      // A later error keeps what was last reported about the process that ran.
      await postStatus(t.url, { pluginId: 'asking', status: 'error', sequence: 3 });
      expect((await plugin('asking')).body).toHaveProperty('sandbox.confined');
    });

    it("keeps the operator's grant: given at install or later, sent to the Plugin Server and in the desired state", async () => {
      const given = await install('granted', {
        grant: { network: { hosts: ['api.example.com'] } },
      });
      expect(given.body).toMatchObject({ grant: { network: { hosts: ['api.example.com'] } } });
      expect(stand.callsTo('POST', '/plugins/granted/install')[0]?.body).toMatchObject({
        grant: { network: { hosts: ['api.example.com'] } },
      });

      const changed = await t.json<PluginView & { grant: unknown }>(
        'PUT',
        '/api/plugins/granted/grant',
        { body: { grant: { network: true, childProcesses: true } } },
      );
      expect(changed.status).toBe(200);
      expect(changed.body.grant).toEqual({ network: true, childProcesses: true });
      expect(stand.callsTo('POST', '/plugins/granted/grant').at(-1)?.body).toEqual({
        grant: { network: true, childProcesses: true },
      });
      expect((await desired()).plugins.find((p) => p.id === 'granted')?.grant).toEqual({
        network: true,
        childProcesses: true,
      });

      const bad = await t.json<Envelope>('PUT', '/api/plugins/granted/grant', {
        body: { grant: { network: { hosts: ['http://evil'] } } },
      });
      expect(bad.status).toBe(400);
      const missing = await t.json<Envelope>('PUT', '/api/plugins/nobody/grant', {
        body: { grant: {} },
      });
      expect(missing.status).toBe(404);
    });

    it('takes statuses numbered from 1 again under a later epoch (a Plugin Server that lost its data folder), and no late ones from before', async () => {
      await install('renumbered');
      const send = (sequence: number, epoch: number, status: 'installing' | 'running' | 'error') =>
        postStatus(t.url, { pluginId: 'renumbered', status, sequence, epoch });
      expect((await send(90, 1000, 'error')).body).toEqual({ outcome: 'applied' });
      expect((await send(3, 1000, 'installing')).body).toEqual({ outcome: 'stale' });
      expect((await send(1, 2000, 'installing')).body).toEqual({ outcome: 'applied' });
      // A late one from the old numbering: a higher sequence, but an older epoch.
      expect((await send(91, 1000, 'running')).body).toEqual({ outcome: 'stale' });
      expect((await plugin('renumbered')).body.status).toBe('installing');
    });

    it('keeps the manifest of a plugin waiting for its config, for the form, without registering its nodes', async () => {
      await install('waiting');
      const manifest = testManifest({
        id: 'waiting',
        config: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          properties: { greeting: { type: 'string', minLength: 1 } },
          required: ['greeting'],
          additionalProperties: false,
        },
        nodes: [{ name: 'wave' }],
      });
      const applied = await postStatus(t.url, {
        pluginId: 'waiting',
        status: 'missing_config',
        sequence: 2,
        reason: 'greeting: required',
        manifest,
      });
      expect(applied.body.outcome).toBe('applied');
      const record = (await plugin('waiting')).body as unknown as {
        status: string;
        manifest?: { config: Record<string, unknown> };
      };
      expect(record.status).toBe('missing_config');
      expect(record.manifest?.config['required']).toEqual(['greeting']);
      expect(await nodeTypes()).not.toContain('waiting/wave');
      // The schema is known, so a bad config is refused field by field.
      const refused = await t.json<Envelope>('PUT', '/api/plugins/waiting/config', {
        body: { config: { greeting: '' } },
      });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('PLAT_CONFIG_REJECTED');
    });

    it('streams the plugin list live: at once, then after each applied status', async () => {
      await install('live');
      const abort = new AbortController();
      const response = await fetch(`${t.url}/api/plugins/events`, {
        headers: { authorization: `Bearer ${USER_TOKEN}` },
        signal: abort.signal,
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const nextList = async (): Promise<{ id: string; status: string }[]> => {
        for (;;) {
          const end = buffer.indexOf('\n\n');
          if (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (block.includes('event: plugins') && data !== undefined) {
              return (JSON.parse(data) as { plugins: { id: string; status: string }[] }).plugins;
            }
            continue;
          }
          const { value } = await reader.read();
          buffer += decoder.decode(value, { stream: true });
        }
      };
      try {
        expect((await nextList()).find((p) => p.id === 'live')?.status).toBe('installing');
        await postStatus(t.url, { pluginId: 'live', status: 'running', sequence: 2 });
        expect((await nextList()).find((p) => p.id === 'live')?.status).toBe('running');
      } finally {
        abort.abort();
      }
    });

    it('ignores an older sequence that arrives later', async () => {
      const answer = await postStatus(t.url, {
        pluginId: 'hooks',
        status: 'installing',
        sequence: 1,
      });
      expect(answer).toEqual({ status: 200, body: { outcome: 'stale' } });
      // The same sequence again is stale too.
      expect(
        (await postStatus(t.url, { pluginId: 'hooks', status: 'restarting', sequence: 2 })).body,
      ).toEqual({ outcome: 'stale' });
      const read = await plugin('hooks');
      expect(read.body.status).toBe('running');
      expect(read.body.nodes).toEqual(['hooks/greet', 'hooks/shout']);
    });

    it('refuses a bad signature or a tampered body with 401 and changes nothing', async () => {
      const before = await plugin('hooks');
      const wrongSecret = await postStatus(
        t.url,
        { pluginId: 'hooks', status: 'error', sequence: 3, reason: 'forged' },
        { secret: 'not-the-webhook-secret-0123456789' },
      );
      expect(wrongSecret.status).toBe(401);
      expect(wrongSecret.body.error?.code).toBe('PLAT_WEBHOOK_REJECTED');
      const tampered = await postStatus(
        t.url,
        { pluginId: 'hooks', status: 'running', sequence: 3 },
        { tamper: (body) => body.replace('"status":"running"', '"status":"error"') },
      );
      expect(tampered.status).toBe(401);
      expect(tampered.body.error?.code).toBe('PLAT_WEBHOOK_REJECTED');
      expect((await plugin('hooks')).body).toEqual(before.body);
      // Sequence 3 was not used up by the forgeries.
      expect(
        (await postStatus(t.url, { pluginId: 'hooks', status: 'running', sequence: 3 })).body,
      ).toEqual({ outcome: 'applied' });
    });

    it('refuses a webhook without the platform key, or with a user token, with 401', async () => {
      for (const key of [null, USER_TOKEN, 'wrong-platform-key-0123456789']) {
        const answer = await postStatus(
          t.url,
          { pluginId: 'hooks', status: 'error', sequence: 10 },
          { key },
        );
        expect(answer.status, String(key)).toBe(401);
        expect(answer.body.error?.code).toBe('PLAT_UNAUTHORIZED');
      }
      expect((await plugin('hooks')).body.status).toBe('running');
      const read = await t.json('GET', '/plugin-server/desired', { auth: USER_TOKEN });
      expect(read.status).toBe(401);
    });

    it('answers 200 `unknown-plugin` for a plugin it has no record of, and creates none', async () => {
      const answer = await postStatus(t.url, {
        pluginId: 'ghost',
        status: 'running',
        sequence: 1,
        manifest: testManifest({ id: 'ghost', nodes: [{ name: 'boo' }] }),
      });
      expect(answer).toEqual({ status: 200, body: { outcome: 'unknown-plugin' } });
      expect((await plugin('ghost')).status).toBe(404);
      expect(await nodeTypes()).not.toContain('ghost/boo');
    });

    it('answers 400 for a signed body that is not a status event', async () => {
      const answer = await postStatus(t.url, {
        pluginId: 'hooks',
        status: 'sleeping' as 'running',
        sequence: 11,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('PLAT_BAD_REQUEST');
      expect((await plugin('hooks')).body.status).toBe('running');
    });

    it('refuses an epoch from the future, which would outrank every later status for good', async () => {
      const answer = await postStatus(t.url, {
        pluginId: 'hooks',
        status: 'error',
        sequence: 1,
        epoch: Number.MAX_SAFE_INTEGER,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error?.message).toContain('future');
      expect((await plugin('hooks')).body.status).toBe('running');
    });

    it('while `uninstalling`, a late `running` does not bring the nodes back; `uninstalled` finishes it', async () => {
      await install('leaving');
      await postStatus(t.url, {
        pluginId: 'leaving',
        status: 'running',
        sequence: 1,
        manifest: testManifest({ id: 'leaving', nodes: [{ name: 'bye' }] }),
      });
      expect(await nodeTypes()).toContain('leaving/bye');

      const uninstall = await t.json<PluginView>('POST', '/api/plugins/leaving/uninstall');
      expect(uninstall.status).toBe(202);
      expect(uninstall.body).toMatchObject({ status: 'uninstalling', nodes: [] });
      expect(stand.callsTo('POST', '/plugins/leaving/uninstall')).toHaveLength(1);
      expect(await nodeTypes()).not.toContain('leaving/bye');

      const late = await postStatus(t.url, {
        pluginId: 'leaving',
        status: 'running',
        sequence: 2,
        manifest: testManifest({ id: 'leaving', nodes: [{ name: 'bye' }] }),
      });
      expect(late).toEqual({ status: 200, body: { outcome: 'ignored' } });
      expect((await plugin('leaving')).body).toMatchObject({ status: 'uninstalling', nodes: [] });
      expect(await nodeTypes()).not.toContain('leaving/bye');
      expect((await desired()).plugins.find((p) => p.id === 'leaving')?.status).toBe(
        'uninstalling',
      );

      const done = await postStatus(t.url, {
        pluginId: 'leaving',
        status: 'uninstalled',
        sequence: 3,
      });
      expect(done).toEqual({ status: 200, body: { outcome: 'applied' } });
      expect((await plugin('leaving')).body.status).toBe('uninstalled');
      expect((await desired()).plugins.map((p) => p.id)).not.toContain('leaving');
      // Nothing moves an uninstalled record but a new install.
      expect(
        (await postStatus(t.url, { pluginId: 'leaving', status: 'running', sequence: 4 })).body,
      ).toEqual({ outcome: 'ignored' });
      expect((await plugin('leaving')).body.status).toBe('uninstalled');
    });

    it('applies concurrent webhooks so that the highest sequence wins, whatever the arrival order', async () => {
      await install('ordered');
      const statuses = ['installing', 'running', 'restarting', 'error'] as const;
      const events = Array.from({ length: 40 }, (_, i) => ({
        pluginId: 'ordered',
        status: statuses[i % statuses.length] ?? 'running',
        sequence: i + 1,
        reason: `event ${String(i + 1)}`,
      }));
      // A fixed shuffle: the last event is sent in the middle of the pack.
      const shuffled = [...events].sort(
        (a, b) => ((a.sequence * 7919) % 41) - ((b.sequence * 7919) % 41),
      );
      const answers = await Promise.all(shuffled.map((e) => postStatus(t.url, e)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      const outcomes = answers.map((a) => a.body.outcome);
      expect(outcomes).toContain('applied');
      expect(outcomes.every((o) => o === 'applied' || o === 'stale')).toBe(true);
      const last = events.at(-1);
      const [row] = await t.platform.services.db.query<{
        status: string;
        last_sequence: number;
        reason: string;
      }>("SELECT status, last_sequence, reason FROM plugins WHERE id = 'ordered'");
      expect(row).toEqual({ status: last?.status, last_sequence: 40, reason: last?.reason });
    });
  });

  describe('plugin config', () => {
    const SECRET = 'sk-live-do-not-leak-31337';
    const configSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        label: { type: 'string', minLength: 1 },
        retries: { type: 'integer', minimum: 0, default: 1 },
        apiKey: { type: 'string', writeOnly: true },
      },
      required: ['label'],
      additionalProperties: false,
    };
    const put = (id: string, config: Record<string, unknown>) =>
      t.json<PluginView & Partial<Envelope>>('PUT', `/api/plugins/${id}/config`, {
        body: { config },
      });
    const configCalls = () =>
      stand.callsTo('POST', '/plugins/conf/config').map((c) => c.body as { config: unknown });

    beforeAll(async () => {
      // Given before the manifest is known: every field is masked until it says which are secret.
      const installed = await install('conf', { config: { label: 'first', apiKey: SECRET } });
      expect(installed.body.config).toEqual({ label: '********', apiKey: '********' });
      await postStatus(t.url, {
        pluginId: 'conf',
        status: 'running',
        sequence: 1,
        manifest: testManifest({ id: 'conf', config: configSchema, nodes: [{ name: 'use' }] }),
      });
    });

    it('masks the secret field in every answer and stores it sealed; the Plugin Server gets the real value', async () => {
      const stored = await put('conf', { label: 'prod', retries: 2, apiKey: SECRET });
      expect(stored.status).toBe(200);
      expect(stored.body.config).toEqual({ label: 'prod', retries: 2, apiKey: '********' });
      expect(configCalls().at(-1)).toEqual({
        config: { label: 'prod', retries: 2, apiKey: SECRET },
      });

      const one = await plugin('conf');
      expect(one.body.config).toEqual({ label: 'prod', retries: 2, apiKey: '********' });
      const list = await t.json('GET', '/api/plugins');
      for (const answer of [stored.body, one.body, list.body]) {
        expect(JSON.stringify(answer)).not.toContain(SECRET);
      }
      const table = await tableText();
      expect(table).not.toContain(SECRET);
      // The Plugin Server (and only it) reads it back in plain text.
      expect((await desired()).plugins.find((p) => p.id === 'conf')?.config).toEqual({
        label: 'prod',
        retries: 2,
        apiKey: SECRET,
      });
    });

    it('refuses a value that does not fit the schema with 422 and every issue, storing nothing', async () => {
      const callsBefore = configCalls().length;
      const refused = await put('conf', {
        label: '',
        retries: -1,
        colour: 'red',
        apiKey: 'sk-refused-secret-000',
      });
      expect(refused.status).toBe(422);
      expect(refused.body.error?.code).toBe('PLAT_CONFIG_REJECTED');
      const issues = refused.body.error?.details?.['issues'] as { path: unknown[] }[];
      expect(issues.map((i) => i.path)).toEqual(
        expect.arrayContaining([['label'], ['retries'], ['colour']]),
      );
      expect(JSON.stringify(refused.body)).not.toContain('sk-refused-secret-000');
      expect(configCalls()).toHaveLength(callsBefore);
      expect(await t.platform.services.pluginRepo.config('conf')).toEqual({
        label: 'prod',
        retries: 2,
        apiKey: SECRET,
      });

      const missing = await put('conf', { retries: 1 });
      expect(missing.status).toBe(422);
      expect(
        (missing.body.error?.details?.['issues'] as { path: unknown[] }[]).map((i) => i.path),
      ).toEqual([['label']]);
    });

    it('keeps the stored secret when the masked value is sent back', async () => {
      const resent = await put('conf', { label: 'renamed', retries: 2, apiKey: '********' });
      expect(resent.status).toBe(200);
      expect(resent.body.config).toEqual({ label: 'renamed', retries: 2, apiKey: '********' });
      expect(configCalls().at(-1)).toEqual({
        config: { label: 'renamed', retries: 2, apiKey: SECRET },
      });
      expect(await t.platform.services.pluginRepo.config('conf')).toEqual({
        label: 'renamed',
        retries: 2,
        apiKey: SECRET,
      });
    });

    it('answers 404 for the config of an unknown plugin and 409 for an uninstalling one', async () => {
      const unknown = await put('nobody', { label: 'x' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error?.code).toBe('PLAT_PLUGIN_NOT_FOUND');
      await install('gone');
      await t.json('POST', '/api/plugins/gone/uninstall');
      const late = await put('gone', { label: 'x' });
      expect(late.status).toBe(409);
      expect(late.body.error?.code).toBe('PLAT_CONFLICT');
    });
  });

  describe('the reconcile nudge', () => {
    it('nudges the Plugin Server at start without sending the desired state, which it pulls', async () => {
      const nudges = stand.calls.filter((c) => c.method === 'POST' && c.path === '/reconcile');
      expect(nudges).toHaveLength(1);
      expect(nudges[0]?.authorization).toBe(`Bearer ${SERVER_API_KEY}`);
      expect(nudges[0]?.body).toEqual({});
      await install('nudged', { version: '2.0.0' });
      const pulled = await desired();
      expect(pulled.plugins.find((p) => p.id === 'nudged')).toEqual({
        id: 'nudged',
        version: '2.0.0',
        source: gitSource('nudged'),
        config: {},
        grant: {},
        status: 'installing',
      });
      // Fully uninstalled records are not asked for.
      expect(pulled.plugins.map((p) => p.id)).not.toContain('leaving');
    });
  });
});

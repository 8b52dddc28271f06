// `npm run bench:profile -- forwarding`: where the Plugin Server's CPU goes on the forwarding hop. A real Plugin
// Server runs in this process with the echo plugin (its own process) and is loaded by the bench's
// load client (its own process, 16 clients); the V8 profiler samples this process for the load's
// window only. Prints the functions with the most self time and the time by origin (the server's
// code, Fastify, undici, pino, Node's own), and writes the whole profile to
// bench/results/forwarding-<time>.cpuprofile (open it in Chrome's DevTools).
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { pino } from 'pino';
import { API_KEY, startBenchServer } from './bench-server.ts';
import { runLoad } from './load.ts';
import { summarise } from './profile-summary.ts';
import { ECHO_PLUGIN_ID, echoPluginCopy } from './plugin-fixture.ts';

const CLIENTS = 16;
const WARM_UP_MS = 1_000;
const DURATION_MS = 5_000;

export async function profileForwarding(): Promise<void> {
  const plugin = await echoPluginCopy();
  // As deployed by default: the log at info, written (here to /dev/null).
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const server = await startBenchServer({ logLevel: 'info' }, logger);
  try {
    await server.installFolder(ECHO_PLUGIN_ID, plugin.dir);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    const load = runLoad({
      origin: server.url,
      path: `/plugins/${ECHO_PLUGIN_ID}/nodes/echo/execute`,
      headers: { authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ inputs: { text: 'hello' } }),
      expect: '"text":"hello"',
      clients: CLIENTS,
      warmUpMs: WARM_UP_MS,
      durationMs: DURATION_MS,
    });
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    await session.post('Profiler.start');
    const result = await load;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    process.stdout.write(
      `Forwarding hop, ${String(CLIENTS)} clients: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(3)} ms, ${String(result.errors)} errors\n${summarise(profile)}\n`,
    );
    const folder = new URL('results/', import.meta.url);
    await mkdir(folder, { recursive: true });
    const file = new URL(
      `forwarding-${new Date().toISOString().replaceAll(':', '-')}.cpuprofile`,
      folder,
    );
    await writeFile(file, JSON.stringify(profile));
    process.stdout.write(`profile: ${file.pathname}\n`);
  } finally {
    await server.close();
    await plugin.dispose();
  }
}

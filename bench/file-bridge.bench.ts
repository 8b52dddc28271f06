// ARCHITECTURE §5, file through the bridge: the `faulty` test fixture's `copy-file` node, run
// through a real Plugin Server, downloads a file through the bridge and uploads it back as it
// reads (platform → bridge → plugin → bridge → platform). The platform is the tests' stand-in
// (test/helpers/platform-stand-in.ts), in a process of its own (platform-child.ts) so that this
// process holds the Plugin Server alone: its resident memory is sampled every 20 ms for the peak
// growth over a copy, at two file sizes to show whether it grows with the file.
// Baseline: the stand-in's plain download of the same file to an undici client here (one hop, no
// bridge, no plugin). The INFO rows split the copy into its parts to show where the time goes.
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPluginServer, loadServerConfig } from '@plugboard/plugin-server';
import { Agent } from 'undici';
import { fixtureFolder } from '../packages/plugin-server/test/helpers/fixture-package.ts';
import { API_KEY } from './bench-server.ts';
import { ownCpuMs, processCpuMs } from './cpu-time.ts';
import * as transfers from './file-bridge-transfers.ts';
import type { BenchFile, Endpoints } from './file-bridge-transfers.ts';
import { percentile } from './measure.ts';
import { withPeakGrowth, withPeakGrowthOf } from './peak-memory.ts';
import { startPlatformProcess } from './platform-process.ts';
import { CLI } from './plugin-fixture.ts';
import type { BenchRow, BenchSection } from './report.ts';
import { untilRunning } from './until-running.ts';

const MiB = 1024 * 1024;
const BIG_MIB = 200;
const SMALL_MIB = 50;
/** Runs per measurement of the big file: the median throughput, the highest memory growth. */
const RUNS = 3;
const TARGET_MB_S = 300;
const TARGET_RATIO = 0.8;
const MAX_GROWTH_MIB = 64;
/** The config requires one with a platform URL; the stand-in answers the status webhooks 404. */
const WEBHOOK_SECRET = 'whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtMDEyMzQ1Njc4OQ';

interface Run {
  readonly mbPerS: number;
  readonly rssMiB: number;
  readonly arrayBuffersMiB: number;
  /** The plugin process's peak resident growth (kernel high-water mark). */
  readonly pluginRssMiB: number;
  /** CPU of this process (the Plugin Server and the client), the plugin and the stand-in. */
  readonly cpu: { readonly server: number; readonly plugin: number; readonly platform: number };
}

interface Rig extends Endpoints {
  readonly pluginPid: number;
  readonly small: BenchFile;
  readonly big: BenchFile;
}

/** Random bytes on disk through one reused 1 MiB buffer, so making the file costs no memory. */
async function writeRandomFile(path: string, mib: number): Promise<string> {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(MiB);
  const file = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      randomFillSync(chunk);
      hash.update(chunk);
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

async function startRig(tmp: string, cleanups: (() => Promise<void>)[]): Promise<Rig> {
  const platform = await startPlatformProcess();
  cleanups.push(() => platform.close());
  const files: BenchFile[] = [];
  for (const mib of [SMALL_MIB, BIG_MIB]) {
    const path = join(tmp, `${String(mib)}MiB.bin`);
    const sha256 = await writeRandomFile(path, mib);
    files.push({ ...(await platform.addFile(`${String(mib)}MiB`, path)), path, sha256 });
  }
  await platform.grant(
    transfers.CALL_TOKEN,
    files.map((f) => f.id),
  );
  const config = loadServerConfig(
    {},
    {
      apiKeys: [API_KEY],
      host: '127.0.0.1',
      port: 0,
      dataDir: join(tmp, 'data'),
      devMode: true,
      logLevel: 'silent',
      platformUrl: platform.url,
      platformApiKey: platform.apiKey,
      webhookSecret: WEBHOOK_SECRET,
    },
  );
  const server = await createPluginServer({ config, serveBin: CLI, hostEnv: process.env });
  cleanups.push(() => server.close());
  const url = await server.listen();
  const fixture = await fixtureFolder();
  cleanups.push(() => rm(dirname(fixture), { recursive: true, force: true }));
  server.manager.install(transfers.PLUGIN_ID, { source: { type: 'local', path: fixture } });
  await untilRunning(server.manager, 1, 60_000);
  const running = server.manager.get(transfers.PLUGIN_ID)?.running;
  const client = new Agent();
  cleanups.push(() => client.destroy());
  const [small, big] = files as [BenchFile, BenchFile];
  return {
    platform,
    server: url,
    launchToken: running?.process.token ?? '',
    client,
    pluginPid: running?.process.pid ?? 0,
    small,
    big,
  };
}

async function timed(
  rig: Rig,
  transfer: (at: Endpoints, file: BenchFile) => Promise<void>,
  file: BenchFile,
): Promise<Run> {
  const pluginCpu = await processCpuMs(rig.pluginPid);
  const platformCpu = await processCpuMs(rig.platform.pid);
  let cpu = process.cpuUsage();
  // Timed inside, so the collection before the memory baseline is not counted as transfer time.
  const { result: plugin, ...growth } = await withPeakGrowth(() =>
    withPeakGrowthOf(rig.pluginPid, async () => {
      cpu = process.cpuUsage();
      const began = performance.now();
      await transfer(rig, file);
      return (performance.now() - began) / 1000;
    }),
  );
  return {
    mbPerS: file.size / 1e6 / plugin.result,
    ...growth,
    pluginRssMiB: plugin.rssMiB,
    cpu: {
      server: ownCpuMs(cpu),
      plugin: (await processCpuMs(rig.pluginPid)) - pluginCpu,
      platform: (await processCpuMs(rig.platform.pid)) - platformCpu,
    },
  };
}

async function runs(
  rig: Rig,
  transfer: (at: Endpoints, file: BenchFile) => Promise<void>,
): Promise<Run[]> {
  const out: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    out.push(await timed(rig, transfer, rig.big));
  }
  return out;
}

const speed = (measured: readonly Run[]): number =>
  percentile(
    measured.map((r) => r.mbPerS),
    50,
  );
const s = (ms: number): string => (ms / 1000).toFixed(2);

function describe(measured: readonly Run[]): string {
  return measured
    .map(
      (r) =>
        `${r.mbPerS.toFixed(0)} MB/s, peak growth rss ${r.rssMiB.toFixed(1)} / arrayBuffers ${r.arrayBuffersMiB.toFixed(1)} MiB (plugin rss ${r.pluginRssMiB.toFixed(1)} MiB), CPU s: this process (server + client) ${s(r.cpu.server)}, plugin ${s(r.cpu.plugin)}, stand-in ${s(r.cpu.platform)}`,
    )
    .join('; ');
}

function copyRow(name: string, measured: readonly Run[], plain: readonly Run[]): BenchRow {
  const copy = speed(measured);
  const ratio = copy / speed(plain);
  return {
    name: `${name}, ${String(BIG_MIB)} MiB (platform → bridge → plugin → bridge → platform), median of ${String(RUNS)}`,
    value: copy,
    unit: 'MB/s',
    baseline: speed(plain),
    digits: 0,
    target: `≥ ${String(TARGET_MB_S)} MB/s and ≥ ${String(TARGET_RATIO)}× plain`,
    pass: copy >= TARGET_MB_S && ratio >= TARGET_RATIO,
    extra: `${describe(measured)}\n        plain download: ${describe(plain)}`,
  };
}

function part(name: string, measured: readonly Run[], against: readonly Run[], label: string) {
  return {
    name: `${name}, ${String(BIG_MIB)} MiB, median of ${String(RUNS)}`,
    value: speed(measured),
    unit: 'MB/s',
    baseline: speed(against),
    baselineLabel: label,
    digits: 0,
    extra: describe(measured),
  };
}

export async function benchFileBridge(): Promise<BenchRow[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'plugboard-bench-bridge-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(tmp, { recursive: true, force: true })];
  try {
    const rig = await startRig(tmp, cleanups);
    // Over the whole sequence too: RSS per run is measured against a level that already holds
    // what the allocator kept from earlier runs, so this shows the first run's growth as well.
    const { result: measured, rssMiB: overallGrowth } = await withPeakGrowth(async () => {
      // One untimed copy first: the first run also compiles the whole path, in every process.
      await transfers.copyFileNode(rig, rig.small);
      return {
        plain: await runs(rig, transfers.plainDownload),
        plainUp: await runs(rig, transfers.plainUpload),
        plainCopy: await runs(rig, transfers.plainCopy),
        bridgeDown: await runs(rig, transfers.bridgeDownload),
        bridgeUp: await runs(rig, transfers.bridgeUploadOnly),
        small: await timed(rig, transfers.copyFileNode, rig.small),
        copies: await runs(rig, transfers.copyFileNode),
        asIs: await runs(rig, transfers.copyAsIsNode),
      };
    });
    const { plain, plainUp, plainCopy, bridgeDown, bridgeUp, small, copies, asIs } = measured;
    const movedGb = ((rig.small.size * 2 + rig.big.size * 6 * RUNS) / 1e9).toFixed(1);
    const growth = Math.max(...copies.map((r) => r.rssMiB));
    return [
      copyRow('copy-file (web streams: a TransformStream counts the bytes)', copies, plain),
      copyRow('copy-file-as-is (the file handle given to ctx.files.create)', asIs, plain),
      {
        name: `peak RSS growth of the plugin's process during the ${String(BIG_MIB)} MiB copy-file`,
        value: Math.max(...copies.map((r) => r.pluginRssMiB)),
        unit: 'MiB',
        baseline: Math.max(...asIs.map((r) => r.pluginRssMiB)),
        baselineLabel: 'copy-file-as-is',
        target: `< ${String(MAX_GROWTH_MIB)} MiB`,
        pass:
          Math.max(...copies.map((r) => r.pluginRssMiB), ...asIs.map((r) => r.pluginRssMiB)) <
          MAX_GROWTH_MIB,
      },
      {
        name: `peak RSS growth of the Plugin Server's process during the ${String(BIG_MIB)} MiB copy`,
        value: growth,
        unit: 'MiB',
        baseline: Math.max(...plain.map((r) => r.rssMiB)),
        baselineLabel: `plain ${String(BIG_MIB)} MiB download`,
        target: `< ${String(MAX_GROWTH_MIB)} MiB at ${String(SMALL_MIB)} and ${String(BIG_MIB)} MiB (flat)`,
        pass: growth < MAX_GROWTH_MIB && small.rssMiB < MAX_GROWTH_MIB,
        extra: `${String(SMALL_MIB)} MiB copy: ${describe([small])} (a file held whole would add ≥ its size); over the whole section (${movedGb} GB through transfers): peak rss ${overallGrowth.toFixed(1)} MiB above the level before the first`,
      },
      part(
        "where the time goes: the same copy without bridge or plugin (undici piping the stand-in's download into an upload to it)",
        plainCopy,
        copies,
        'copy-file',
      ),
      part(
        'where the time goes: download through the bridge alone (launch token, undici)',
        bridgeDown,
        plain,
        'plain download',
      ),
      part(
        'where the time goes: upload through the bridge alone (file read here, undici)',
        bridgeUp,
        plainUp,
        'plain upload to the stand-in',
      ),
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  }
}

export const fileBridgeSection: BenchSection = {
  title: `File bridge (copy-file of the faulty test fixture; platform stand-in in its own process, on loopback)`,
  baseline: `the stand-in's plain download of the same ${String(BIG_MIB)} MiB file to an undici client`,
  run: benchFileBridge,
};

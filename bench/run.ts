// `npm run bench`: every benchmark, each printed against a baseline measured in the same run.
// Results are also written to bench/results/ (git-ignored) for comparison across runs.
import { mkdir, writeFile } from 'node:fs/promises';
import { benchPluginProcess } from './plugin-process.bench.ts';
import { formatRows, type BenchRow } from './report.ts';

const sections: { title: string; baseline: string; run: () => Promise<BenchRow[]> }[] = [
  {
    title: 'Plugin process (plugboard plugin serve examples/hello-world)',
    baseline: 'bare node:http server',
    run: benchPluginProcess,
  },
  ...(await import('./plugin-server.sections.ts')).pluginServerSections,
  (await import('./remote-node.bench.ts')).remoteNodeSection,
  (await import('./system-load.bench.ts')).systemLoadSection,
];

const results: Record<string, BenchRow[]> = {};
for (const section of sections) {
  const rows = await section.run();
  results[section.title] = rows;
  process.stdout.write(`${formatRows(section.title, section.baseline, rows)}\n`);
}
const folder = new URL('results/', import.meta.url);
await mkdir(folder, { recursive: true });
await writeFile(
  new URL(`bench-${new Date().toISOString().replaceAll(':', '-')}.json`, folder),
  JSON.stringify({ node: process.version, results }, null, 2),
);

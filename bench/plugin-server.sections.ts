// The Plugin Server's benchmarks (ARCHITECTURE §5), registered in run.ts as one entry.
import { fileBridgeSection } from './file-bridge.bench.ts';
import { forwardingSection } from './forwarding.bench.ts';
import { installSection } from './install.bench.ts';
import { reconcileSection } from './reconcile.bench.ts';
import type { BenchSection } from './report.ts';
import { restartSection } from './restart.bench.ts';
import { sandboxSection } from './sandbox.bench.ts';

export const pluginServerSections: readonly BenchSection[] = [
  forwardingSection,
  installSection,
  reconcileSection,
  restartSection,
  fileBridgeSection,
  sandboxSection,
];

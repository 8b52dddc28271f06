// The Plugin Server's benchmarks (ARCHITECTURE §5), registered in run.ts as one entry.
import { forwardingSection } from './forwarding.bench.ts';
import { installSection } from './install.bench.ts';
import type { BenchSection } from './report.ts';

export const pluginServerSections: readonly BenchSection[] = [forwardingSection, installSection];

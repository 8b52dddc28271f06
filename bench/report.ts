// One row of benchmark output: a measurement, the baseline measured in the same run, the ratio.
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  /** What the baseline is, when a row compares with something other than its section's baseline. */
  readonly baselineLabel?: string;
  /** Absent for a row that only informs; such a row prints INFO, never PASS or MISS. */
  readonly target?: string;
  readonly pass?: boolean;
  /** Decimals shown (default 1): sub-millisecond latencies need more. */
  readonly digits?: number;
  /** Set when the row could not be measured here (a tool missing, say): why, printed as SKIP. */
  readonly skipped?: string;
  readonly extra?: string;
}

export interface BenchSection {
  readonly title: string;
  readonly baseline: string;
  readonly run: () => Promise<BenchRow[]>;
}

export function formatRows(title: string, baselineName: string, rows: readonly BenchRow[]): string {
  const lines = [`\n${title}  (baseline: ${baselineName}, measured in this run)`];
  for (const row of rows) {
    if (row.skipped !== undefined) {
      lines.push(`  SKIP  ${row.name}: ${row.skipped}`);
      continue;
    }
    const digits = row.digits ?? 1;
    const ratio = row.value / row.baseline;
    const verdict = row.pass === undefined ? 'INFO' : row.pass ? 'PASS' : 'MISS';
    const against = `${row.baseline.toFixed(digits)} ${row.unit}${row.baselineLabel === undefined ? '' : ` (${row.baselineLabel})`}`;
    const target = row.target === undefined ? '' : `  [target: ${row.target}]`;
    lines.push(
      `  ${verdict}  ${row.name}: ${row.value.toFixed(digits)} ${row.unit} vs ${against} → ${ratio.toFixed(2)}×${target}${row.extra === undefined ? '' : `\n        ${row.extra}`}`,
    );
  }
  return lines.join('\n');
}

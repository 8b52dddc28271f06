// One row of benchmark output: a measurement, the baseline measured in the same run, the ratio.
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  readonly target: string;
  readonly pass: boolean;
  readonly extra?: string;
}

export function formatRows(title: string, baselineName: string, rows: readonly BenchRow[]): string {
  const lines = [`\n${title}  (baseline: ${baselineName}, measured in this run)`];
  for (const row of rows) {
    const ratio = row.value / row.baseline;
    lines.push(
      `  ${row.pass ? 'PASS' : 'MISS'}  ${row.name}: ${row.value.toFixed(1)} ${row.unit} vs ${row.baseline.toFixed(1)} ${row.unit} → ${ratio.toFixed(2)}×  [target: ${row.target}]${row.extra === undefined ? '' : `\n        ${row.extra}`}`,
    );
  }
  return lines.join('\n');
}

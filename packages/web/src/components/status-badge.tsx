/**
 * @module A status as a coloured, labelled badge (the text carries the meaning, not the colour).
 */
const LABELS: Record<string, string> = {
  missing_config: 'needs configuration',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}

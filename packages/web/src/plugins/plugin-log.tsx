/**
 * @module A plugin's log from the Plugin Server: the last lines, followed live on request (read
 * again every few seconds; the API has no log stream).
 */
import { useEffect, useRef, useState } from 'react';
import { useApi } from '../app/api-context.ts';
import { useResource } from '../app/use-resource.ts';
import { ErrorMessage } from '../components/alert.tsx';

const FOLLOW_MS = 2000;

/** `status` is the plugin's: the log is read again whenever it changes. */
export function PluginLog({ pluginId, status }: { pluginId: string; status: string }) {
  const api = useApi();
  const [tail, setTail] = useState(200);
  const [follow, setFollow] = useState(false);
  const log = useResource(() => api.pluginLogs(pluginId, tail), {
    deps: [pluginId, tail, status],
    ...(follow ? { refreshMs: FOLLOW_MS } : {}),
  });
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (follow && pre.current !== null) {
      pre.current.scrollTop = pre.current.scrollHeight;
    }
  }, [follow, log.data]);
  const lines = (log.data ?? '').split('\n').filter((l) => l !== '');

  return (
    <div>
      <div className="toolbar">
        <label htmlFor="log-tail">Lines</label>
        <select
          id="log-tail"
          value={tail}
          onChange={(e) => {
            setTail(Number(e.target.value));
          }}
        >
          {[50, 200, 1000].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <label className="check">
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => {
              setFollow(e.target.checked);
            }}
          />{' '}
          Follow
        </label>
        <button type="button" onClick={() => void log.reload()}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={log.error} title="Could not read the log" />
      <pre className="log" ref={pre} tabIndex={0} aria-label="Plugin log">
        {lines.length === 0 && log.data !== undefined
          ? '(empty)'
          : lines.map(formatLine).join('\n')}
      </pre>
    </div>
  );
}

/** JSON log lines as `time  message`, other lines as they are. */
export function formatLine(line: string): string {
  try {
    const entry = JSON.parse(line) as { time?: unknown; msg?: unknown; level?: unknown };
    if (typeof entry.msg === 'string') {
      const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
      const level = typeof entry.level === 'number' && entry.level >= 50 ? 'ERROR ' : '';
      return `${time}  ${level}${entry.msg}`;
    }
  } catch {
    // Not JSON: a plain line the plugin wrote.
  }
  return line;
}

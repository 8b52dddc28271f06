/**
 * @module Loading data from the API into a component: the value, the error, a reload, and
 * optionally a live source of changes (a Server-Sent Events stream) that triggers reloads, with a
 * slow refresh as a fallback while the stream is down.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): Promise<void>;
}

const RECONNECT_MS = 2_000;

export function useResource<T>(
  load: () => Promise<T>,
  options: {
    deps: readonly unknown[];
    refreshMs?: number;
    /** Yields whenever the data may have changed; reconnected after a pause when it ends. */
    changes?: (signal: AbortSignal) => AsyncIterable<void>;
  },
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;

  // Only the latest load may set the state: an older answer arriving late is dropped.
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const call = ++latest.current;
    try {
      const value = await loadRef.current();
      if (call === latest.current) {
        setData(value);
        setError(undefined);
      }
    } catch (caught) {
      if (call === latest.current) {
        setError(caught);
      }
    } finally {
      if (call === latest.current) {
        setLoading(false);
      }
    }
  }, []);

  const { deps, refreshMs } = options;
  const changesRef = useRef(options.changes);
  changesRef.current = options.changes;
  useEffect(() => {
    const changes = changesRef.current;
    if (changes === undefined) {
      return undefined;
    }
    const abort = new AbortController();
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          const stream = changes(abort.signal)[Symbol.asyncIterator]();
          while (!(await stream.next()).done) {
            void reload();
          }
        } catch {
          // The stream dropped (a restart, the network): the refresh covers the gap.
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    })();
    return () => {
      abort.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reload, ...deps]);
  useEffect(() => {
    setLoading(true);
    void reload();
    if (refreshMs === undefined) {
      return undefined;
    }
    const timer = setInterval(() => void reload(), refreshMs);
    return () => {
      clearInterval(timer);
    };
    // The caller names what the load depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reload, refreshMs, ...deps]);

  return { data, error, loading, reload };
}

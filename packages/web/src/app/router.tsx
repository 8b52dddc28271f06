/**
 * @module A small router over the History API: the platform serves index.html for every app path,
 * so links work when opened directly.
 */
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) {
    history.replaceState(null, '', path);
  } else {
    history.pushState(null, '', path);
  }
  for (const listener of listeners) {
    listener();
  }
}

/** The current path and query, re-rendering on every navigation (a query change included). */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => `${location.pathname}${location.search}`);
}

/** The decoded segments of `path` when it matches `pattern` (`/plugins/:id`), else undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = (path.split('?')[0] ?? '').replace(/\/+$/, '').split('/');
  if (want.length !== have.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = have[i] ?? '';
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        // A malformed escape in the address: no page matches it (the app shows "not found").
        return undefined;
      }
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

export function Link(props: {
  to: string;
  children: ReactNode;
  className?: string;
  'aria-current'?: 'page' | undefined;
}) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a
      href={props.to}
      onClick={onClick}
      className={props.className}
      aria-current={props['aria-current']}
    >
      {props.children}
    </a>
  );
}

/**
 * @module Error and notice boxes: errors are announced to screen readers as they appear.
 */
import type { ReactNode } from 'react';
import { messageOf } from '../api/http.ts';

export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) {
    return null;
  }
  return (
    <div className="alert alert-error" role="alert">
      {title === undefined ? null : <strong>{title}: </strong>}
      {messageOf(error)}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-info" role="status">
      {children}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/**
 * @module A value from a run: text as text, stored files as download buttons (the download needs
 * the token, so it goes through fetch), anything else as JSON.
 */
import { useState } from 'react';
import { messageOf } from '../api/http.ts';
import type { FileRef } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { isFileRef } from './format.ts';

export function ValueView({ value }: { value: unknown }) {
  if (isFileRef(value)) {
    return <FileDownload file={value} />;
  }
  if (typeof value === 'string') {
    return <span className="value-text">{value}</span>;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.some(([, v]) => isFileRef(v))) {
      return (
        <dl className="facts">
          {entries.map(([k, v]) => (
            <div key={k} className="fact">
              <dt>{k}</dt>
              <dd>
                <ValueView value={v} />
              </dd>
            </div>
          ))}
        </dl>
      );
    }
  }
  return <pre className="value-json">{JSON.stringify(value, null, 2)}</pre>;
}

function FileDownload({ file }: { file: FileRef }) {
  const api = useApi();
  const [error, setError] = useState<string | undefined>(undefined);
  const download = async () => {
    try {
      const blob = await api.downloadFile(file.id);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = file.name;
      a.click();
      setTimeout(() => {
        URL.revokeObjectURL(url);
      }, 10_000);
    } catch (caught) {
      setError(messageOf(caught));
    }
  };
  return (
    <span>
      <button type="button" onClick={() => void download()} aria-label={`Download ${file.name}`}>
        ⬇ {file.name}
      </button>
      <span className="muted small">
        {' '}
        {file.contentType}
        {file.size === undefined ? '' : `, ${String(file.size)} bytes`}
      </span>
      {error === undefined ? null : <span className="error-text"> {error}</span>}
    </span>
  );
}

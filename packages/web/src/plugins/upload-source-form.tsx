/**
 * @module Install from a .tar.gz (as `plugboard plugin pack` writes it): dropped or chosen, its
 * id read from the manifest inside, uploaded with progress, then installed.
 */
import { useState, type DragEvent, type SyntheticEvent } from 'react';
import type { PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { manifestInArchive } from './archive-manifest.ts';

export function UploadSourceForm({ onInstalled }: { onInstalled: (r: PluginRecord) => void }) {
  const api = useApi();
  const [file, setFile] = useState<File | undefined>(undefined);
  const [id, setId] = useState('');
  const [progress, setProgress] = useState<number | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);

  const choose = async (chosen: File | undefined) => {
    setError(undefined);
    setProgress(undefined);
    setFile(chosen);
    if (chosen === undefined) {
      return;
    }
    const manifest = await manifestInArchive(chosen);
    setId(manifest?.id ?? chosen.name.replace(/(-\d+\.\d+\.\d+.*)?\.t(ar\.)?gz$/, ''));
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    void choose(event.dataTransfer.files[0]);
  };
  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    if (file === undefined) {
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const stored = await api.uploadFile(file, setProgress);
      onInstalled(
        await api.installPlugin({ id: id.trim(), source: { type: 'upload', fileId: stored.id } }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="form">
      <div
        className={`dropzone${over ? ' dropzone-over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => {
          setOver(false);
        }}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>Drop a plugin .tar.gz here, or</p>
        <label className="button">
          Choose a file…
          <input
            type="file"
            accept=".tar.gz,.tgz,application/gzip"
            className="visually-hidden"
            aria-label="Plugin archive (.tar.gz)"
            onChange={(e) => void choose(e.target.files?.[0])}
          />
        </label>
        {file === undefined ? null : (
          <p className="small">
            {file.name} ({Math.ceil(file.size / 1024)} KiB)
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="upload-id">Plugin id</label>
        <input
          id="upload-id"
          value={id}
          required
          pattern="[a-z][a-z0-9-]*"
          onChange={(e) => {
            setId(e.target.value);
          }}
          aria-describedby="upload-id-help"
        />
        <p className="help" id="upload-id-help">
          Read from the archive's manifest; it must match it.
        </p>
      </div>
      {progress === undefined ? null : (
        <div className="progress">
          <progress value={progress} max={1} aria-label="Upload progress" />
          <span>{Math.round(progress * 100)}%</span>
        </div>
      )}
      <ErrorMessage error={error} title="Install failed" />
      <footer className="form-actions">
        <button type="submit" className="button-primary" disabled={file === undefined || busy}>
          {busy ? 'Installing…' : 'Upload and install'}
        </button>
      </footer>
    </form>
  );
}

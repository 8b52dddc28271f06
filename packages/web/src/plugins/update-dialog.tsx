/**
 * @module Update a plugin: another version of its source, or a new archive for an uploaded one.
 * The new version is staged first (installed beside the current one, nothing moves); once it is,
 * the dialog shows what making it current would break in the saved workflows, and only
 * "Make … current" moves anything. Cancel leaves it staged, to be made current from the Versions
 * table later.
 */
import { useEffect, useRef, useState, type SyntheticEvent } from 'react';
import type { PluginRecord, PluginSource } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { Modal } from '../components/modal.tsx';
import { ActivateVersion } from './activate-version.tsx';
import { manifestInArchive } from './archive-manifest.ts';
import { stagedKeys, waitForStaged } from './stage-version.ts';

type Phase =
  | { kind: 'choose' }
  | { kind: 'staging'; step: string; upload?: number; since: number }
  | { kind: 'staged'; version: string };

export function UpdateDialog(props: {
  plugin: PluginRecord;
  onClose: () => void;
  onUpdated: () => void;
}) {
  const api = useApi();
  const [version, setVersion] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [phase, setPhase] = useState<Phase>({ kind: 'choose' });
  const [reason, setReason] = useState<string | undefined>(undefined);
  const [now, setNow] = useState(() => Date.now());
  const abort = useRef(new AbortController());
  const uploaded = props.plugin.source['type'] === 'upload';
  const { id } = props.plugin;

  useEffect(() => {
    const controller = abort.current;
    return () => {
      controller.abort();
    };
  }, []);
  useEffect(() => {
    if (phase.kind !== 'staging') {
      return undefined;
    }
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, [phase.kind]);

  const stage = async (event: SyntheticEvent) => {
    event.preventDefault();
    setError(undefined);
    const since = Date.now();
    const signal = abort.current.signal;
    try {
      let source: PluginSource | undefined;
      let wanted = version.trim() === '' ? undefined : version.trim();
      if (file !== undefined) {
        wanted = (await manifestInArchive(file))?.version;
        setPhase({ kind: 'staging', step: 'Uploading the archive', upload: 0, since });
        const stored = await api.uploadFile(file, (fraction) => {
          setPhase({ kind: 'staging', step: 'Uploading the archive', upload: fraction, since });
        });
        source = { type: 'upload', fileId: stored.id };
      }
      const start = await api.getPlugin(id);
      const before = stagedKeys(start);
      setPhase({ kind: 'staging', step: `Installing ${wanted ?? 'the new version'}`, since });
      await api.updatePlugin(id, {
        ...(source === undefined ? {} : { source }),
        ...(wanted === undefined || source !== undefined ? {} : { version: wanted }),
        activate: false,
      });
      const staged = await waitForStaged(api, id, {
        before,
        wanted,
        start,
        signal,
        onRecord: (record) => {
          setReason(record.reason);
        },
      });
      setPhase({ kind: 'staged', version: staged.version });
    } catch (caught) {
      if (!signal.aborted) {
        setError(caught);
        setPhase({ kind: 'choose' });
      }
    }
  };

  if (phase.kind === 'staged') {
    return (
      <Modal title={`Update ${id} to ${phase.version}`} onClose={props.onClose} wide>
        <p className="modal-body alert alert-info" role="status">
          {phase.version} is installed beside {props.plugin.version ?? 'the current version'}{' '}
          (staged): nothing runs on it yet.
        </p>
        <ActivateVersion
          pluginId={id}
          version={phase.version}
          cancelNote={`Cancel leaves ${phase.version} staged; make it current later under Versions.`}
          onCancel={props.onUpdated}
          onActivated={props.onUpdated}
        />
      </Modal>
    );
  }

  const staging = phase.kind === 'staging' ? phase : undefined;
  return (
    <Modal title={`Update ${id}`} onClose={props.onClose}>
      <form className="form modal-body" onSubmit={(e) => void stage(e)}>
        <p className="muted small">
          The new version is installed beside the current one first; you see what it would break in
          the saved workflows before anything moves to it.
        </p>
        {uploaded ? (
          <div className="field">
            <label htmlFor="update-file">New archive (.tar.gz)</label>
            <input
              id="update-file"
              type="file"
              accept=".tar.gz,.tgz,application/gzip"
              disabled={staging !== undefined}
              onChange={(e) => {
                setFile(e.target.files?.[0]);
              }}
            />
          </div>
        ) : (
          <div className="field">
            <label htmlFor="update-version">Version</label>
            <input
              id="update-version"
              value={version}
              placeholder="latest"
              disabled={staging !== undefined}
              onChange={(e) => {
                setVersion(e.target.value);
              }}
            />
            <p className="help">Empty: the newest the source offers.</p>
          </div>
        )}
        {staging === undefined ? null : (
          <div className="progress" role="status" data-testid="update-progress">
            {staging.upload === undefined ? (
              <progress aria-label="Staging progress" />
            ) : (
              <progress value={staging.upload} max={1} aria-label="Upload progress" />
            )}
            <span>
              {staging.step}
              {staging.upload === undefined
                ? `… ${String(Math.max(0, Math.round((now - staging.since) / 1000)))} s`
                : ` ${String(Math.round(staging.upload * 100))}%`}
              {reason === undefined ? null : <span className="muted small"> · {reason}</span>}
            </span>
          </div>
        )}
        <ErrorMessage error={error} title="Update failed" />
        <footer className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button-primary"
            disabled={staging !== undefined || (uploaded && file === undefined)}
          >
            Install beside the current version
          </button>
        </footer>
      </form>
    </Modal>
  );
}

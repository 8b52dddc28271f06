/**
 * @module Making an installed version of a plugin current, its impact seen first: the update
 * dialog ends here once the new version is staged, and the Versions table opens it for a staged,
 * kept or rolled back version. Cancel moves nothing.
 */
import { useState } from 'react';
import type { PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { useResource } from '../app/use-resource.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { Modal } from '../components/modal.tsx';
import { ImpactSummary } from './update-impact.tsx';

export function ActivateVersion(props: {
  pluginId: string;
  version: string;
  /** What Cancel leaves behind, said beside the buttons. */
  cancelNote: string;
  onCancel: () => void;
  onActivated: (record: PluginRecord) => void;
}) {
  const api = useApi();
  const { pluginId, version } = props;
  const impact = useResource(() => api.updateImpact(pluginId, version), {
    deps: [pluginId, version],
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const activate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      props.onActivated(await api.activateVersion(pluginId, version));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  const breaks = (impact.data?.breaks ?? 0) > 0;

  return (
    <>
      <div className="modal-body">
        <ErrorMessage error={impact.error} title="Could not work out what it changes" />
        {impact.data === undefined ? (
          impact.error === undefined ? (
            <p className="muted" role="status">
              Checking what {version} changes for the saved workflows…
            </p>
          ) : null
        ) : (
          <ImpactSummary impact={impact.data} />
        )}
        <ErrorMessage error={error} title={`${version} was not made current`} />
      </div>
      <footer className="modal-footer">
        <span className="muted small grow">{props.cancelNote}</span>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className={breaks ? 'button-danger' : 'button-primary'}
          disabled={busy || (impact.data === undefined && impact.error === undefined)}
          onClick={() => void activate()}
        >
          Make {version} current
        </button>
      </footer>
    </>
  );
}

/** {@link ActivateVersion} in its own dialog. */
export function ActivateDialog(props: {
  pluginId: string;
  version: string;
  onClose: () => void;
  onActivated: () => void;
}) {
  return (
    <Modal title={`Make ${props.version} current`} onClose={props.onClose} wide>
      <ActivateVersion
        pluginId={props.pluginId}
        version={props.version}
        cancelNote="Cancel changes nothing."
        onCancel={props.onClose}
        onActivated={props.onActivated}
      />
    </Modal>
  );
}

/**
 * @module Stored credentials (names only; the platform never sends the data back), each with its
 * ready check on demand and a confirmed delete.
 */
import { useState } from 'react';
import type { Credential } from '../api/types.ts';
import { messageOf } from '../api/http.ts';
import { useApi } from '../app/api-context.ts';
import { EmptyState, ErrorMessage } from '../components/alert.tsx';
import { ConfirmDialog } from '../components/modal.tsx';
import { DeleteButton } from '../components/delete-button.tsx';

type Verdict = { ready: boolean; message?: string } | { failed: string };

export function CredentialList(props: {
  credentials: readonly Credential[];
  onChanged: () => void;
  showOwner?: boolean;
}) {
  const api = useApi();
  const [verdicts, setVerdicts] = useState<Record<string, Verdict>>({});
  const [deleting, setDeleting] = useState<Credential | undefined>(undefined);
  const [deleteError, setDeleteError] = useState<unknown>(undefined);

  const test = async (credential: Credential) => {
    let verdict: Verdict;
    try {
      const answer = await api.testCredential(credential.id);
      verdict = {
        ready: answer.ready,
        ...(answer.message === undefined ? {} : { message: answer.message }),
      };
    } catch (caught) {
      verdict = { failed: messageOf(caught) };
    }
    setVerdicts((v) => ({ ...v, [credential.id]: verdict }));
  };

  if (props.credentials.length === 0) {
    return <EmptyState title="No credentials stored yet" />;
  }
  return (
    <>
      <ul className="list" aria-label="Stored credentials">
        {props.credentials.map((c) => {
          const verdict = verdicts[c.id];
          return (
            <li key={c.id} className="list-row" data-credential={c.name}>
              <span className="grow">
                <strong>{c.name}</strong>
                {props.showOwner === true ? (
                  <span className="muted small">
                    {' '}
                    {c.pluginId} · {c.integration}
                  </span>
                ) : null}
                <span className="muted small">
                  {' '}
                  updated {new Date(c.updatedAt).toLocaleString()}
                </span>
              </span>
              <span role="status" className="small">
                {verdict === undefined
                  ? ''
                  : 'failed' in verdict
                    ? `test failed: ${verdict.failed}`
                    : verdict.ready
                      ? '✓ ready'
                      : `✗ not ready${verdict.message === undefined ? '' : `: ${verdict.message}`}`}
              </span>
              <button type="button" onClick={() => void test(c)} aria-label={`Test ${c.name}`}>
                Test
              </button>
              <DeleteButton
                name={c.name}
                onClick={() => {
                  setDeleting(c);
                }}
              />
            </li>
          );
        })}
      </ul>
      <ErrorMessage error={deleteError} title="Could not delete the credentials" />
      {deleting === undefined ? null : (
        <ConfirmDialog
          title="Delete credentials"
          message={
            <p>
              Delete <strong>{deleting.name}</strong>? Workflows that use them will fall back to
              other credentials of {deleting.integration}, or fail.
            </p>
          }
          confirmLabel="Delete"
          onCancel={() => {
            setDeleting(undefined);
          }}
          onConfirm={() => {
            const target = deleting;
            setDeleting(undefined);
            setDeleteError(undefined);
            void api.deleteCredential(target.id).then(props.onChanged, (caught: unknown) => {
              setDeleteError(caught);
              props.onChanged();
            });
          }}
        />
      )}
    </>
  );
}

/**
 * @module Installing a plugin from any of the four sources, one tab each.
 */
import { useState, type KeyboardEvent } from 'react';
import type { PluginRecord } from '../api/types.ts';
import { Modal } from '../components/modal.tsx';
import { GitSourceForm } from './git-source-form.tsx';
import { LocalSourceForm } from './local-source-form.tsx';
import { MarketplaceBrowser } from './marketplace-browser.tsx';
import { UploadSourceForm } from './upload-source-form.tsx';

const TABS = [
  { id: 'upload', label: 'Upload .tar.gz' },
  { id: 'marketplace', label: 'Marketplace' },
  { id: 'git', label: 'Git repository' },
  { id: 'local', label: 'Local folder' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function InstallDialog(props: {
  onClose: () => void;
  onInstalled: (record: PluginRecord) => void;
}) {
  const [tab, setTab] = useState<Tab>('upload');
  const onKeyDown = (event: KeyboardEvent) => {
    const index = TABS.findIndex((t) => t.id === tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step !== 0) {
      const next = TABS[(index + step + TABS.length) % TABS.length];
      if (next !== undefined) {
        setTab(next.id);
        document.getElementById(`install-tab-${next.id}`)?.focus();
      }
    }
  };
  return (
    <Modal title="Install a plugin" onClose={props.onClose} wide>
      <div role="tablist" aria-label="Source" className="tabs" onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`install-tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            aria-controls={`install-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => {
              setTab(t.id);
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`install-panel-${tab}`}
        aria-labelledby={`install-tab-${tab}`}
        className="modal-body"
      >
        {tab === 'upload' ? <UploadSourceForm onInstalled={props.onInstalled} /> : null}
        {tab === 'marketplace' ? <MarketplaceBrowser onInstalled={props.onInstalled} /> : null}
        {tab === 'git' ? <GitSourceForm onInstalled={props.onInstalled} /> : null}
        {tab === 'local' ? <LocalSourceForm onInstalled={props.onInstalled} /> : null}
      </div>
    </Modal>
  );
}

/**
 * @module Browse and search the marketplace the Plugin Server installs from, and install from it.
 */
import { useState } from 'react';
import type { MarketplacePlugin, PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { useResource } from '../app/use-resource.ts';
import { EmptyState, ErrorMessage } from '../components/alert.tsx';
import { StatusBadge } from '../components/status-badge.tsx';

export function MarketplaceBrowser({ onInstalled }: { onInstalled: (r: PluginRecord) => void }) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const listing = useResource(() => api.marketplace(query.trim()), { deps: [query] });
  const [error, setError] = useState<unknown>(undefined);

  const install = async (plugin: MarketplacePlugin, version: string) => {
    setError(undefined);
    try {
      onInstalled(
        await api.installPlugin({
          source: {
            type: 'marketplace',
            name: plugin.name,
            ...(version === plugin.latest ? {} : { version }),
          },
        }),
      );
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div className="form">
      <div className="field">
        <label htmlFor="marketplace-search">Search the marketplace</label>
        <input
          id="marketplace-search"
          type="search"
          value={query}
          placeholder="name or description"
          onChange={(e) => {
            setQuery(e.target.value);
          }}
        />
      </div>
      <ErrorMessage error={listing.error} title="Could not read the marketplace" />
      <ErrorMessage error={error} title="Install failed" />
      {listing.data !== undefined && listing.data.length === 0 ? (
        <EmptyState title="No plugin matches" />
      ) : null}
      <ul className="card-list" aria-label="Marketplace plugins">
        {(listing.data ?? []).map((p) => (
          <MarketplaceItem key={p.name} plugin={p} onInstall={(v) => void install(p, v)} />
        ))}
      </ul>
    </div>
  );
}

/** Shown before an install or update: what the operator must grant for it to run. */
function asksText(plugin: MarketplacePlugin): string {
  const before = plugin.installed?.asks;
  const more = before === undefined ? [] : plugin.asks.filter((ask) => !before.includes(ask));
  if (more.length > 0) {
    return `Version ${plugin.latest} asks for more than the installed one: ${more.join(', ')}`;
  }
  return plugin.asks.length === 0
    ? 'Asks for nothing beyond the sandbox'
    : `Asks for: ${plugin.asks.join(', ')} (the operator must grant it)`;
}

function MarketplaceItem(props: { plugin: MarketplacePlugin; onInstall: (v: string) => void }) {
  const { plugin } = props;
  const [version, setVersion] = useState(plugin.latest);
  const selectId = `mp-version-${plugin.name}`;
  return (
    <li className="card" data-marketplace={plugin.name}>
      <div className="card-main">
        <h3>{plugin.displayName}</h3>
        <p className="small muted">{plugin.name}</p>
        <p>{plugin.description}</p>
        <p className="small" data-testid="marketplace-asks">
          {asksText(plugin)}
        </p>
      </div>
      <div className="card-actions">
        {plugin.installed === undefined ? (
          <>
            <label htmlFor={selectId} className="visually-hidden">
              Version of {plugin.displayName}
            </label>
            <select
              id={selectId}
              value={version}
              onChange={(e) => {
                setVersion(e.target.value);
              }}
            >
              {plugin.versions.map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
            <button
              type="button"
              className="button-primary"
              aria-label={`Install ${plugin.displayName}`}
              onClick={() => {
                props.onInstall(version);
              }}
            >
              Install
            </button>
          </>
        ) : (
          <span>
            installed {plugin.installed.version ?? ''}{' '}
            <StatusBadge status={plugin.installed.status} />
          </span>
        )}
      </div>
    </li>
  );
}

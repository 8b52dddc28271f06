/**
 * @module What the operator grants a plugin beyond the sandbox: network access (none, any public
 * host, or listed hosts) and child processes. An install or start waiting for a grant goes on once
 * it is saved; a process asking for more than the new grant stops.
 */
import { useState, type SyntheticEvent } from 'react';
import type { PluginGrant, PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';

type NetworkChoice = 'none' | 'any' | 'hosts';

export function GrantForm({ plugin }: { plugin: PluginRecord }) {
  const api = useApi();
  const current = plugin.grant;
  const [network, setNetwork] = useState<NetworkChoice>(
    current.network === true ? 'any' : typeof current.network === 'object' ? 'hosts' : 'none',
  );
  const [hosts, setHosts] = useState(
    typeof current.network === 'object' ? current.network.hosts.join(', ') : '',
  );
  const [childProcesses, setChildProcesses] = useState(current.childProcesses === true);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    const listed = hosts
      .split(/[\s,]+/)
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== '');
    const grant: PluginGrant = {
      ...(network === 'any' ? { network: true } : {}),
      ...(network === 'hosts' ? { network: { hosts: listed } } : {}),
      ...(childProcesses ? { childProcesses: true } : {}),
    };
    try {
      await api.grantPlugin(plugin.id, grant);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Grant">
      <fieldset className="choices">
        <legend>Network</legend>
        {(
          [
            ['none', 'None'],
            ['any', 'Any public host'],
            ['hosts', 'Only these hosts'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="choice">
            <input
              type="radio"
              name="grant-network"
              value={value}
              checked={network === value}
              onChange={() => {
                setNetwork(value);
              }}
            />
            {label}
          </label>
        ))}
        {network === 'hosts' ? (
          <input
            type="text"
            aria-label="Hosts it may reach"
            placeholder="api.example.com, *.example.org"
            value={hosts}
            onChange={(e) => {
              setHosts(e.target.value);
            }}
          />
        ) : null}
      </fieldset>
      <label className="choice">
        <input
          type="checkbox"
          checked={childProcesses}
          onChange={(e) => {
            setChildProcesses(e.target.checked);
          }}
        />
        Child processes
      </label>
      <p className="muted small">
        Loopback, private and metadata addresses stay closed whatever is granted here. Memory, CPU
        and host environment variables are set in the Plugin Server&apos;s settings.
      </p>
      <ErrorMessage error={error} title="The grant was not saved" />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save grant'}
        </button>
        {saved ? <span className="muted">Saved.</span> : null}
      </div>
    </form>
  );
}

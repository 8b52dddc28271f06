/**
 * @module Sign in with the admin token `plugboard start` prints; it is checked against the API
 * before it is kept.
 */
import { useState, type SyntheticEvent } from 'react';
import { ApiError, messageOf } from '../api/http.ts';
import { createPlatformApi } from '../api/platform-api.ts';

export function LoginPage(props: {
  notice: string | undefined;
  onSignedIn: (token: string) => void;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const candidate = token.trim();
    try {
      await createPlatformApi({ token: candidate, onUnauthorized: () => undefined }).listPlugins();
      props.onSignedIn(candidate);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'The platform refused this token. Use the admin token `plugboard start` printed.'
          : messageOf(caught),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form
        className="form login-card"
        onSubmit={(e) => void submit(e)}
        aria-labelledby="login-title"
      >
        <h1 id="login-title">Plugboard</h1>
        <p>
          Sign in with the <strong>admin token</strong> that <code>plugboard start</code> (or{' '}
          <code>npm start</code>) printed. It is kept for this tab only.
        </p>
        {props.notice === undefined ? null : (
          <div className="alert alert-error" role="alert">
            {props.notice}
          </div>
        )}
        <div className="field">
          <label htmlFor="token">Admin token</label>
          <input
            id="token"
            type="password"
            autoComplete="current-password"
            required
            value={token}
            placeholder="pbt_…"
            aria-invalid={error === undefined ? undefined : true}
            aria-describedby={error === undefined ? undefined : 'token-error'}
            onChange={(e) => {
              setToken(e.target.value);
            }}
          />
          {error === undefined ? null : (
            <p className="field-error" id="token-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

/**
 * @module The app: the login until a token is accepted, then the navigation and the page of the
 * current path. A token the platform refuses later signs out with a message.
 */
import { useCallback, useMemo, useState } from 'react';
import { createPlatformApi } from '../api/platform-api.ts';
import { CredentialsPage } from '../credentials/credentials-page.tsx';
import { PluginPage } from '../plugins/plugin-page.tsx';
import { PluginsPage } from '../plugins/plugins-page.tsx';
import { RunPage } from '../runs/run-page.tsx';
import { RunsPage } from '../runs/runs-page.tsx';
import { WorkflowEditorPage } from '../workflows/workflow-editor-page.tsx';
import { WorkflowsPage } from '../workflows/workflows-page.tsx';
import { ApiContext } from './api-context.ts';
import { LoginPage } from './login-page.tsx';
import { Link, match, usePath } from './router.tsx';
import { forgetToken, storedToken, storeToken } from './session.ts';

const SECTIONS = [
  { path: '/plugins', label: 'Plugins' },
  { path: '/workflows', label: 'Workflows' },
  { path: '/runs', label: 'Runs' },
  { path: '/credentials', label: 'Credentials' },
] as const;

export function App() {
  const [token, setToken] = useState(storedToken);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const signOut = useCallback((message?: string) => {
    forgetToken();
    setToken(undefined);
    setNotice(message);
  }, []);
  const api = useMemo(
    () =>
      token === undefined
        ? undefined
        : createPlatformApi({
            token,
            onUnauthorized: () => {
              signOut('The platform no longer accepts your token (401). Sign in again.');
            },
          }),
    [token, signOut],
  );

  if (api === undefined) {
    return (
      <LoginPage
        notice={notice}
        onSignedIn={(accepted) => {
          storeToken(accepted);
          setNotice(undefined);
          setToken(accepted);
        }}
      />
    );
  }
  return (
    <ApiContext.Provider value={api}>
      <Shell
        onSignOut={() => {
          signOut();
        }}
      />
    </ApiContext.Provider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const path = usePath();
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Plugboard</span>
        <nav aria-label="Sections">
          {SECTIONS.map((s) => (
            <Link
              key={s.path}
              to={s.path}
              className="nav-link"
              aria-current={path.startsWith(s.path) ? 'page' : undefined}
            >
              {s.label}
            </Link>
          ))}
        </nav>
        <span className="grow" />
        <button type="button" className="button-ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" className={path.startsWith('/workflows/') ? 'main main-wide' : 'main'}>
        <Page path={path} />
      </main>
    </div>
  );
}

function Page({ path }: { path: string }) {
  let params: Record<string, string> | undefined;
  if (path === '/' || match('/plugins', path) !== undefined) {
    return <PluginsPage />;
  }
  if ((params = match('/plugins/:id', path)) !== undefined) {
    return <PluginPage key={params['id']} id={params['id'] ?? ''} />;
  }
  if (match('/workflows', path) !== undefined) {
    return <WorkflowsPage />;
  }
  if (match('/workflows/new', path) !== undefined) {
    return <WorkflowEditorPage id={undefined} />;
  }
  if ((params = match('/workflows/:id', path)) !== undefined) {
    return <WorkflowEditorPage id={params['id']} />;
  }
  if (match('/runs', path) !== undefined) {
    return <RunsPage />;
  }
  if ((params = match('/runs/:id', path)) !== undefined) {
    return <RunPage key={params['id']} id={params['id'] ?? ''} />;
  }
  if (match('/credentials', path) !== undefined) {
    return <CredentialsPage />;
  }
  return (
    <div className="empty">
      <p className="empty-title">No page at {path}</p>
      <Link to="/plugins">Go to the plugins</Link>
    </div>
  );
}

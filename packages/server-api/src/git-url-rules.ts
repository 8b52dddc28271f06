/**
 * @module The rules a git source URL must meet before git ever sees it, without touching the
 * network: https only, no credentials, nothing git or a shell could read as an option, a transport
 * or a second line. One check for every place a source is named: the platform refuses a bad URL
 * before it creates a record, the Plugin Server before it fetches. (Whether the host resolves to
 * an internal address is the Plugin Server's own check, at fetch time.)
 */

export type GitUrlCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly problem: string };

/**
 * Parses and checks a git URL. Pass the returned URL's `href` to git, never the raw string: the
 * WHATWG parser accepts forms (`https:host/x`) that git would read as something else.
 */
export function checkGitUrlRules(raw: string): GitUrlCheck {
  const problem = (text: string): GitUrlCheck => ({ ok: false, problem: text });
  if (raw.length === 0 || raw.length > 2048) {
    return problem('the git URL must be between 1 and 2048 characters long');
  }
  if (raw.startsWith('-')) {
    return problem('the git URL must not start with "-" (git would read it as an option)');
  }
  // Whitespace, control characters and backslashes (which the URL parser turns into "/"),
  // encoded or not: a newline once made git send one host's credentials to another.
  if (/[\s\p{Cc}\\]/u.test(raw)) {
    return problem('the git URL must not contain whitespace, control characters or backslashes');
  }
  if (/%(?:[01][0-9a-f]|7f)/i.test(raw)) {
    return problem('the git URL must not contain percent-encoded control characters');
  }
  if (/^[a-z][a-z0-9+.-]*::/i.test(raw)) {
    return problem('git transport syntax (ext::, fd::, …) is refused; give an https:// URL');
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return problem(
      'the git URL must be an https:// URL; local paths and scp-like host:path addresses are refused',
    );
  }
  if (scheme === 'http') {
    return problem('plain http is refused; give an https:// URL');
  }
  if (scheme !== 'https' || !/^https:\/\//i.test(raw)) {
    return problem(
      'only https:// URLs are accepted (ssh, file, git and other transports are refused)',
    );
  }
  // The URL parser would read "https:///host/x" as host "host"; git must see what we checked.
  const authority = authorityOf(raw);
  if (authority === '') {
    return problem('the git URL has no host');
  }
  const credentials =
    'credentials in the git URL are refused; pass a token in the source\'s "token" field instead';
  if (authority.includes('@')) {
    return problem(credentials);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return problem('the git URL is not a valid URL');
  }
  if (url.username !== '' || url.password !== '') {
    return problem(credentials);
  }
  // git appends "/info/refs?service=…" to the URL, so a query or fragment would be mangled.
  if (url.search !== '' || url.hash !== '' || raw.includes('#') || raw.includes('?')) {
    return problem('the git URL must not have a query string or a fragment');
  }
  if (url.hostname === '') {
    return problem('the git URL has no host');
  }
  return { ok: true, url };
}

function authorityOf(raw: string): string {
  const rest = raw.slice(raw.indexOf('//') + 2);
  const end = rest.search(/[/?#]/);
  return end === -1 ? rest : rest.slice(0, end);
}

/**
 * @module The admin token, kept for this browser tab only (sessionStorage): closing the tab signs
 * out.
 */
const KEY = 'plugboard.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

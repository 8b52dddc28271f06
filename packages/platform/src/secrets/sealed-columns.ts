/**
 * @module Every column that holds sealed values, with the purpose each value is bound to: the
 * repositories seal and open with these purposes, and a key rotation walks these columns. A new
 * sealed column is added here, or the rotation would leave it under the old key.
 */

export const pluginConfigPurpose = (pluginId: string): string => `plugin-config:${pluginId}`;
export const gitTokenPurpose = (pluginId: string): string => `git-token:${pluginId}`;
export const credentialPurpose = (credentialId: string): string => `credential:${credentialId}`;

export interface SealedColumn {
  /** What an operator calls the values. */
  readonly what: string;
  readonly table: string;
  readonly column: string;
  /** The purpose a row's value is bound to, from the row's `id`. */
  readonly purpose: (id: string) => string;
  /** SQL naming the record a value belongs to, for reports. */
  readonly recordSql: string;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    what: 'plugin config',
    table: 'plugins',
    column: 'config_sealed',
    purpose: pluginConfigPurpose,
    recordSql: `'plugin ' || id`,
  },
  {
    what: 'git token',
    table: 'plugins',
    column: 'source_secret',
    purpose: gitTokenPurpose,
    recordSql: `'plugin ' || id`,
  },
  {
    what: 'credential data',
    table: 'credentials',
    column: 'secret',
    purpose: credentialPurpose,
    recordSql: `'credential ' || id || ' (' || plugin_id || ' ' || integration || ' "' || name || '")'`,
  },
];

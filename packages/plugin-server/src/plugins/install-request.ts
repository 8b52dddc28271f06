/**
 * @module What an install asks for: the source, optionally a version, the configuration and the
 * operator's grant.
 */
import type { PluginGrant, PluginSource } from '@plugboard/server-api';

export interface InstallRequest {
  readonly version?: string | undefined;
  readonly source: PluginSource;
  /** The plugin configuration; checked by the plugin's validate-config once it runs. */
  readonly config?: Record<string, unknown> | undefined;
  /** False stages it beside the current version; otherwise it is made current once it runs. */
  readonly activate?: boolean | undefined;
  /** What the platform's operator granted it; kept as it is when absent. */
  readonly grant?: PluginGrant | undefined;
}

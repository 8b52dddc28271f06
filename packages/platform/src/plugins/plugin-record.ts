/**
 * @module A plugin record as the platform keeps it (desired state: source, version, config and the
 * status the Plugin Server last reported); the API's view of it is in the platform's contract.
 */
import type { Manifest, PluginStatus } from '@plugboard/protocol';
import type {
  InstalledVersion,
  PluginGrant,
  PluginSource,
  SandboxReport,
} from '@plugboard/server-api';

export interface PluginRecord {
  readonly id: string;
  readonly status: PluginStatus;
  /** Without the git token, which is sealed apart. */
  readonly source: PluginSource;
  /** Whether a git token is sealed with it (the view shows it masked). */
  readonly hasSourceToken: boolean;
  readonly version: string | undefined;
  readonly manifest: Manifest | undefined;
  /** Every version its Plugin Server holds installed, as it last reported; newest first. */
  readonly versions: readonly InstalledVersion[];
  /** What confines its process, as the Plugin Server last reported. */
  readonly sandbox: SandboxReport | undefined;
  /** What the operator granted it beyond the Plugin Server's own settings. */
  readonly grant: PluginGrant;
  readonly reason: string | undefined;
  readonly logTail: string[] | undefined;
  readonly restarts: number;
  readonly lastSequence: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

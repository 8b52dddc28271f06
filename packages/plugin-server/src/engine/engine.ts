/**
 * @module The engine abstraction (one per runtime a plugin may be written for): how a plugin version gets an
 * environment and becomes a running process. The process engine is the one implementation; a
 * container engine would be another.
 */
import type { Manifest } from '@plugboard/protocol';
import type { PluginGrant } from '@plugboard/server-api';
import type { LayerReport } from '../sandbox/host-probe.ts';
import type { PluginLog } from './plugin-log.ts';

export interface InstallEnvironmentRequest {
  readonly pluginId: string;
  readonly version: string;
  /** A validated package in a staging folder; the engine takes it over. */
  readonly staging: string;
  readonly log: PluginLog;
  readonly signal?: AbortSignal | undefined;
}

export interface InstalledVersion {
  /** The version's own folder (package, node_modules, scratch). */
  readonly folder: string;
}

export interface LaunchRequest {
  readonly pluginId: string;
  readonly folder: string;
  readonly log: PluginLog;
  /** The resources and permissions it asks for are granted (or refused) from here. */
  readonly manifest: Pick<Manifest, 'resources' | 'permissions'>;
  /** What the platform's operator granted this plugin, on top of this server's settings. */
  readonly grant: PluginGrant;
  /** Plugin-process settings (file bridge URL, limits) on top of the allowlist. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly description: string;
  /** Ended by the kernel's out-of-memory killer or V8's heap limit inside its memory limit. */
  readonly outOfMemory?: boolean;
}

export interface PluginProcess {
  readonly pid: number;
  /** A TCP port, or a Unix socket (a sandboxed plugin has no network); `url` names the origin. */
  readonly port: number | undefined;
  readonly socketPath: string | undefined;
  readonly url: string;
  /** What confines it. */
  readonly sandbox: LayerReport;
  readonly token: string;
  readonly startedAt: Date;
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: () => boolean;
}

export interface EngineDescription {
  readonly engine: string;
  readonly pid: number;
  readonly port?: number;
  readonly socketPath?: string;
  readonly startedAt: string;
}

export interface Engine {
  /** Moves the package into the version's own folder and installs its dependencies there. */
  installEnvironment(request: InstallEnvironmentRequest): Promise<InstalledVersion>;
  /** Starts the version and resolves once it has announced its port. */
  start(request: LaunchRequest): Promise<PluginProcess>;
  /** Graceful stop, forced after `graceMs`; resolves once nothing of it is left. */
  stop(process: PluginProcess, graceMs: number): Promise<ExitInfo>;
  /** Deletes a version's folder, or a plugin's with all its versions. */
  remove(folder: string): Promise<void>;
  /**
   * Stops whatever a previous run of the server left running for this version (after a SIGKILL
   * its plugins exit by themselves, but not instantly), so a restart never runs two of one plugin.
   */
  reapLeftover(folder: string): Promise<boolean>;
  describe(process: PluginProcess): EngineDescription;
}

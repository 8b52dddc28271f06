/**
 * @module The live record of one plugin: status, the running process and its connection pool,
 * supervision state, and a queue that runs its operations one at a time.
 */
import type { ConfigureResponse, Manifest, PluginStatus } from '@plugboard/protocol';
import type { Pool } from 'undici';
import type { PluginLog } from '../engine/plugin-log.ts';
import type { HealthProbe } from '../supervisor/health-probe.ts';
import type { PluginProcess } from '../engine/engine.ts';
import { RestartPolicy, type RestartPolicySettings } from '../supervisor/restart-policy.ts';
import type {
  InstalledVersion,
  PluginVersionView,
  PluginDetail,
  PluginGrant,
  PluginView,
} from '@plugboard/server-api';
import { currentOf, newestFirst, type VersionRecord } from './version-states.ts';

export interface RunningInstance {
  readonly process: PluginProcess;
  readonly pool: Pool;
  readonly folder: string;
  readonly manifest: Manifest;
  readonly probe: HealthProbe;
  /** The plugin's verdict on the configuration this process was last given (at start, then on each change). */
  configured: ConfigureResponse;
  /** Set when it is replaced because a call overran its deadline or would not stop. */
  overdue?: string | undefined;
  /** Set once its process has exited, before anyone is told. */
  exited?: boolean | undefined;
}

/** A process of a version other than the current one, started for the calls pinned to it. */
export interface SideVersion {
  /** Set once it serves; until then `starting` is what calls wait on. */
  instance?: RunningInstance | undefined;
  starting?: Promise<RunningInstance> | undefined;
  /** Stops it once it has had no call for the configured idle time. */
  idle?: NodeJS.Timeout | undefined;
}

export interface LastError {
  readonly message: string;
  readonly code: string;
  readonly at: Date;
  readonly logTail?: readonly string[];
}

export class ManagedPlugin {
  readonly id: string;
  readonly log: PluginLog;
  readonly policy: RestartPolicy;
  /** A record is made for an install, or for a version found installed at a start. */
  status: PluginStatus = 'installing';
  reason: string | undefined;
  /** Every version installed, as recorded in `<id>/versions.json`. */
  versions: readonly VersionRecord[] = [];
  /** Processes of versions other than the current one, by version. */
  readonly sides = new Map<string, SideVersion>();
  /**
   * Set when a version is made current over another: should it crash-loop before `until`
   * (monotonic ms), the plugin is rolled back to `from`.
   */
  probation: { readonly from: string; readonly until: number } | undefined;
  /**
   * Set when its record of installed versions could not be read at start: what is wrong. The
   * reconciler leaves it alone (a reinstall would lose the versions the record names).
   */
  broken: string | undefined;
  running: RunningInstance | undefined;
  restarts = 0;
  /** Processes replaced because a call overran its deadline (not crashes). */
  timeouts = 0;
  /** The configuration the platform wants this plugin to have. */
  config: Record<string, unknown> | undefined;
  /** What the platform's operator granted it (network, child processes). */
  grant: PluginGrant = {};
  /**
   * Set while an install or a start is refused for want of a grant: what to run again once a new
   * grant arrives. Nothing else (a restart loop, a reconcile pass) retries it meanwhile.
   */
  onGrant: (() => void) | undefined;
  lastError: LastError | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  #outstanding = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  /** Replaced instances still draining: their work in flight may still use the file bridge. */
  readonly retiring = new Set<RunningInstance>();

  constructor(id: string, log: PluginLog, policy: RestartPolicySettings) {
    this.id = id;
    this.log = log;
    this.policy = new RestartPolicy(policy);
  }

  /** The current version, when one is installed. */
  get version(): string | undefined {
    return currentOf(this.versions)?.version;
  }

  /** Where the current version came from, without tokens. */
  get source(): Record<string, unknown> | undefined {
    return currentOf(this.versions)?.source;
  }

  /** Calls forwarded and not yet answered: the queue in front of the process, bounded. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Takes a place for one forwarded call, unless `limit` are already in flight or queued. */
  admitCall(limit: number): boolean {
    if (this.#outstanding >= limit) {
      return false;
    }
    this.#outstanding += 1;
    return true;
  }

  /** Gives back the place an admitted call took (once, when its answer is read or it failed). */
  callEnded(): void {
    this.#outstanding -= 1;
  }

  /** Runs `operation` after every earlier one on this plugin has finished. */
  serialise<T>(operation: () => Promise<T>): Promise<T> {
    this.#queued += 1;
    const run = async (): Promise<T> => {
      try {
        return await operation();
      } finally {
        this.#queued -= 1;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Operations waiting behind the one running now. */
  get waiting(): number {
    return Math.max(0, this.#queued - 1);
  }

  /** Every installed version with its state, whether it runs, and its manifest; newest first. */
  installedVersions(): InstalledVersion[] {
    return newestFirst(this.versions).map((v) => ({ ...this.#viewOf(v), manifest: v.manifest }));
  }

  #viewOf(v: VersionRecord): PluginVersionView {
    return {
      version: v.version,
      state: v.state,
      running:
        v.state === 'current'
          ? this.running !== undefined
          : this.sides.get(v.version)?.instance !== undefined,
      installedAt: v.installedAt,
      source: v.source,
      ...(v.reason === undefined ? {} : { reason: v.reason }),
    };
  }

  view(): PluginView {
    const proc = this.running?.process;
    const versions = newestFirst(this.versions).map((v) => this.#viewOf(v));
    return {
      id: this.id,
      status: this.status,
      restarts: this.restarts,
      ...(this.timeouts === 0 ? {} : { timeouts: this.timeouts }),
      ...(this.version === undefined ? {} : { version: this.version }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      ...(this.source === undefined ? {} : { source: this.source }),
      ...(Object.keys(this.grant).length === 0 ? {} : { grant: this.grant }),
      ...(proc === undefined
        ? {}
        : {
            pid: proc.pid,
            ...(proc.port === undefined ? {} : { port: proc.port }),
            startedAt: proc.startedAt.toISOString(),
            sandbox: { confined: [...proc.sandbox.confined], missing: [...proc.sandbox.missing] },
          }),
      ...(this.lastError === undefined
        ? {}
        : {
            lastError: {
              message: this.lastError.message,
              code: this.lastError.code,
              at: this.lastError.at.toISOString(),
              ...(this.lastError.logTail === undefined
                ? {}
                : { logTail: [...this.lastError.logTail] }),
            },
          }),
      ...(versions.length === 0 ? {} : { versions }),
    };
  }

  detail(): PluginDetail {
    return this.running === undefined
      ? this.view()
      : { ...this.view(), manifest: this.running.manifest };
  }
}

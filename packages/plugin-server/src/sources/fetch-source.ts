/**
 * @module Fetches any plugin source into a fresh staging folder: git, upload, marketplace or local.
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import { extractArchive } from './archive.ts';
import { downloadToFile } from './download.ts';
import { fetchGitSource } from './git.ts';
import { copyLocalSource } from './local.ts';
import { resolveMarketplaceVersion } from './marketplace.ts';
import { admitSource } from './source-admission.ts';
import type { PluginSource } from '@plugboard/server-api';

export interface SourceContext {
  readonly config: ServerConfig;
  /** Where uploads posted straight to this server are kept. */
  readonly uploadsDir: string;
  readonly tempDir: string;
  readonly signal?: AbortSignal | undefined;
}

export interface FetchedSource {
  /** The version a marketplace entry resolved to, when the request named none. */
  readonly version?: string;
  readonly commit?: string;
}

export async function fetchSource(
  source: PluginSource,
  staging: string,
  ctx: SourceContext,
): Promise<FetchedSource> {
  const { config } = ctx;
  admitSource(source, config);
  switch (source.type) {
    case 'local':
      await copyLocalSource(source, staging);
      return {};
    case 'git':
      return fetchGitSource(source, staging, gitOptions(ctx));
    case 'upload': {
      const local = join(ctx.uploadsDir, `${source.fileId}.tar.gz`);
      if (
        await stat(local).then(
          (s) => s.isFile(),
          () => false,
        )
      ) {
        await extractArchive(createReadStream(local), staging, { signal: ctx.signal });
      } else {
        await extractDownloaded(
          ctx,
          {
            url: platformFileUrl(config, source.fileId),
            headers:
              config.platformApiKey === undefined
                ? {}
                : { authorization: `Bearer ${config.platformApiKey}` },
            label: `upload ${source.fileId}`,
          },
          staging,
        );
      }
      await hoistSingleFolder(staging);
      return {};
    }
    case 'marketplace': {
      const { version, source: pinned, indexUrl } = await resolveMarketplaceVersion(source, ctx);
      if (pinned.type === 'git') {
        const fetched = await fetchGitSource(
          {
            type: 'git',
            url: pinned.url,
            commit: pinned.commit,
            ...(pinned.subdirectory === undefined ? {} : { subdirectory: pinned.subdirectory }),
          },
          staging,
          gitOptions(ctx),
        );
        if (!fetched.commit.startsWith(pinned.commit)) {
          throw new ServerError(
            'PSRV_INTEGRITY_MISMATCH',
            `the marketplace pins commit ${pinned.commit} but git returned ${fetched.commit}`,
          );
        }
        return { version, commit: fetched.commit };
      }
      await extractDownloaded(
        ctx,
        {
          url: new URL(pinned.url, indexUrl).href,
          integrity: pinned.integrity,
          label: `${source.name}@${version}`,
        },
        staging,
      );
      await hoistSingleFolder(staging);
      return { version };
    }
  }
}

function gitOptions(ctx: SourceContext) {
  return {
    timeoutMs: ctx.config.limits.gitTimeoutMs,
    maxBytes: ctx.config.limits.gitMaxBytes,
    allowPrivateHosts: ctx.config.devMode,
    ...(ctx.config.gitCaFile === undefined ? {} : { caFile: ctx.config.gitCaFile }),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  };
}

function platformFileUrl(config: ServerConfig, fileId: string): string {
  if (config.platformUrl === undefined) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      `upload ${fileId} is not on this server and no platform is configured to fetch it from; POST the archive to /uploads first, or set PLUGBOARD_PLATFORM_URL`,
    );
  }
  return new URL(
    `plugin-server/files/${encodeURIComponent(fileId)}`,
    config.platformUrl.endsWith('/') ? config.platformUrl : `${config.platformUrl}/`,
  ).href;
}

interface ArchiveDownload {
  readonly url: string;
  readonly label: string;
  readonly headers?: Record<string, string>;
  readonly integrity?: string;
}

/** Download to a private temp file (hashing on the way), check integrity, then extract. */
async function extractDownloaded(
  ctx: SourceContext,
  download: ArchiveDownload,
  staging: string,
): Promise<void> {
  const folder = await mkdtemp(join(ctx.tempDir, 'download-'));
  const file = join(folder, 'archive.tar.gz');
  try {
    const got = await downloadToFile(download.url, file, {
      maxBytes: ctx.config.limits.maxUploadBytes,
      timeoutMs: ctx.config.limits.installTimeoutMs,
      label: download.label,
      ...(download.headers === undefined ? {} : { headers: download.headers }),
      signal: ctx.signal,
    });
    if (download.integrity !== undefined && !sameText(got.integrity, download.integrity)) {
      throw new ServerError(
        'PSRV_INTEGRITY_MISMATCH',
        `${download.label}: the archive's hash ${got.integrity} is not the pinned ${download.integrity}; refusing it`,
      );
    }
    await extractArchive(createReadStream(file), staging, { signal: ctx.signal });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Archives made by hand or by forges often wrap everything in one folder; use its content. */
async function hoistSingleFolder(staging: string): Promise<void> {
  const entries = await readdir(staging, { withFileTypes: true });
  const only = entries[0];
  if (entries.length !== 1 || only === undefined || !only.isDirectory()) {
    return;
  }
  const inner = join(staging, only.name);
  for (const name of await readdir(inner)) {
    await rename(join(inner, name), join(staging, name));
  }
  await rmdir(inner);
}

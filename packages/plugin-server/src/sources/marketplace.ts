/**
 * @module Resolves a marketplace source to a pinned version from the configured index.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';
import { downloadToFile } from './download.ts';
import type { SourceContext } from './fetch-source.ts';
import {
  latestVersion,
  marketplaceIndexSchema,
  type MarketplaceSource,
  type MarketplaceVersion,
} from '@plugboard/server-api';

const MAX_INDEX_BYTES = 5 * 1024 * 1024;

export interface ResolvedMarketplaceVersion {
  readonly version: string;
  readonly source: MarketplaceVersion['source'];
  readonly indexUrl: string;
}

export async function resolveMarketplaceVersion(
  source: MarketplaceSource,
  ctx: SourceContext,
): Promise<ResolvedMarketplaceVersion> {
  const indexUrl = ctx.config.marketplaceUrl;
  if (indexUrl === undefined) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      'no marketplace is configured; set PLUGBOARD_MARKETPLACE_URL to the index URL',
    );
  }
  const folder = await mkdtemp(join(ctx.tempDir, 'index-'));
  let raw: unknown;
  try {
    await downloadToFile(indexUrl, join(folder, 'index.json'), {
      maxBytes: MAX_INDEX_BYTES,
      timeoutMs: ctx.config.limits.gitTimeoutMs,
      label: 'the marketplace index',
      signal: ctx.signal,
    });
    raw = JSON.parse(await readFile(join(folder, 'index.json'), 'utf8'));
  } catch (error) {
    if (error instanceof ServerError) {
      throw error;
    }
    throw new ServerError('PSRV_SOURCE_FAILED', 'the marketplace index is not valid JSON');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  const index = marketplaceIndexSchema.safeParse(raw);
  if (!index.success) {
    throw new ServerError(
      'PSRV_SOURCE_FAILED',
      `the marketplace index is invalid: ${index.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const plugin = index.data.plugins.find((p) => p.name === source.name);
  if (plugin === undefined) {
    throw new ServerError('PSRV_SOURCE_REFUSED', `the marketplace has no plugin "${source.name}"`, {
      details: { available: index.data.plugins.map((p) => p.name) },
    });
  }
  // Unnamed, the version is the one the platform's marketplace listing shows as latest.
  const wanted = source.version ?? latestVersion(plugin.versions.map((v) => v.version));
  const chosen = plugin.versions.find((v) => v.version === wanted);
  if (chosen === undefined) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      `the marketplace has no version ${String(source.version)} of "${source.name}"`,
      {
        details: { available: plugin.versions.map((v) => v.version) },
      },
    );
  }
  return { version: chosen.version, source: chosen.source, indexUrl };
}

/**
 * @module Where a plugin comes from, as `plugins install` and `plugins update` take it on the
 * command line: `--git <url>` (with `--ref`, `--commit`, `--subdirectory`, `--git-token`),
 * `--file <archive.tar.gz>` (uploaded first) or `--local <path>`; none of them means the
 * marketplace (install) or the source the plugin already has (update).
 */
import { resolve } from 'node:path';
import type { ApiBody } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';

export interface SourceFlags {
  readonly git?: string | undefined;
  readonly ref?: string | undefined;
  readonly commit?: string | undefined;
  readonly subdirectory?: string | undefined;
  readonly gitToken?: string | undefined;
  readonly file?: string | undefined;
  readonly local?: string | undefined;
}

export type SourceKind = 'git' | 'file' | 'local';

type PluginSource = ApiBody<'installPlugin'>['source'];

/**
 * Which source flag was given (undefined for none); refuses two of them, and the git-only flags
 * without `--git`.
 */
export function sourceKind(flags: SourceFlags): SourceKind | undefined {
  const kinds = (['git', 'file', 'local'] as const).filter((k) => flags[k] !== undefined);
  if (kinds.length > 1) {
    throw new OperatorError(
      'CLI_USAGE',
      `give one source: ${kinds.map((k) => `--${k}`).join(' and ')} were both given`,
    );
  }
  const gitOnly = (['ref', 'commit', 'subdirectory', 'gitToken'] as const).filter(
    (k) => flags[k] !== undefined,
  );
  if (kinds[0] !== 'git' && gitOnly.length > 0) {
    throw new OperatorError(
      'CLI_USAGE',
      `${gitOnly.map((k) => (k === 'gitToken' ? '--git-token' : `--${k}`)).join(', ')} only go with --git <url>`,
    );
  }
  return kinds[0];
}

/** The source the flags name; a `--file` archive is uploaded to the platform first. */
export async function sourceOf(
  ctx: OperatorContext,
  kind: SourceKind,
  flags: SourceFlags,
): Promise<PluginSource> {
  switch (kind) {
    case 'git':
      return {
        type: 'git',
        url: flags.git ?? '',
        ...(flags.ref === undefined ? {} : { ref: flags.ref }),
        ...(flags.commit === undefined ? {} : { commit: flags.commit }),
        ...(flags.subdirectory === undefined ? {} : { subdirectory: flags.subdirectory }),
        ...(flags.gitToken === undefined ? {} : { token: flags.gitToken }),
      };
    case 'local':
      return { type: 'local', path: resolve(ctx.cwd, flags.local ?? '.') };
    case 'file': {
      const file = resolve(ctx.cwd, flags.file ?? '');
      const name = file.split(/[\\/]/).pop() ?? 'plugin.tar.gz';
      const ref = await ctx.client.upload({ path: file, name, contentType: 'application/gzip' });
      ctx.output.info(`Uploaded ${name} (${ref.id}, ${String(ref.size)} bytes)`);
      return { type: 'upload', fileId: ref.id };
    }
  }
}

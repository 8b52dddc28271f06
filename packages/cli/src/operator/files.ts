/**
 * @module `plugboard files download`: a stored file (a run's file output, say) to a local path.
 */
import { createWriteStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { json } from './format.ts';

export async function downloadFile(
  ctx: OperatorContext,
  id: string,
  flags: { out?: string | undefined; force?: boolean | undefined },
): Promise<void> {
  const meta = await ctx.client.call('fileMeta', { params: { id } });
  // The stored name is the uploader's: only its last segment is used, never a path.
  const fallback = basename(meta.name.replace(/\\/g, '/')) || meta.id;
  const out = resolve(ctx.cwd, flags.out ?? fallback);
  const response = await ctx.client.open('downloadFile', {
    params: { id },
    headers: { accept: '*/*' },
  });
  if (response.body === null) {
    throw new OperatorError('CLI_BAD_ANSWER', `the download of file ${id} answered no body`);
  }
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      createWriteStream(out, { flags: flags.force === true ? 'w' : 'wx' }),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new OperatorError(
        'CLI_TARGET_EXISTS',
        `${out} already exists; pass --force to overwrite it or --out <path>`,
      );
    }
    throw new OperatorError('CLI_BAD_FILE', `cannot write ${out}: ${(error as Error).message}`);
  }
  if (ctx.json) {
    ctx.output.result(json({ ...meta, path: out }));
    return;
  }
  ctx.output.result(out);
  ctx.output.info(`${meta.name}: ${String(meta.size)} bytes, ${meta.contentType}`);
}

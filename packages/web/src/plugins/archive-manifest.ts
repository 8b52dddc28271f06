/**
 * @module Reads `plugboard.manifest.json` out of a plugin's .tar.gz in the browser: the upload form
 * learns the plugin's id from it, and a plugin waiting for configuration (whose record has no
 * manifest until it runs) gets its config schema from it.
 */
import type { Manifest } from '../api/types.ts';

const BLOCK = 512;
const MANIFEST_FILE = 'plugboard.manifest.json';

/** The manifest packed in the archive, or undefined when it has none or is not a tar.gz. */
export async function manifestInArchive(archive: Blob): Promise<Manifest | undefined> {
  try {
    const tar = new Uint8Array(
      await new Response(
        archive.stream().pipeThrough(new DecompressionStream('gzip')),
      ).arrayBuffer(),
    );
    const text = fileInTar(
      tar,
      (name) => name === MANIFEST_FILE || name.endsWith(`/${MANIFEST_FILE}`),
    );
    return text === undefined ? undefined : (JSON.parse(text) as Manifest);
  } catch {
    return undefined;
  }
}

function fileInTar(tar: Uint8Array, wanted: (name: string) => boolean): string | undefined {
  const decoder = new TextDecoder();
  const field = (offset: number, length: number) =>
    decoder.decode(tar.subarray(offset, offset + length)).replace(/\0.*$/s, '');
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const name = field(offset, 100);
    if (name === '') {
      return undefined;
    }
    const size = Number.parseInt(field(offset + 124, 12).trim() || '0', 8);
    const prefix = field(offset + 345, 155);
    const fullName = prefix === '' ? name : `${prefix}/${name}`;
    const type = field(offset + 156, 1);
    const start = offset + BLOCK;
    if ((type === '0' || type === '') && wanted(fullName.replace(/^\.\//, ''))) {
      return decoder.decode(tar.subarray(start, start + size));
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}

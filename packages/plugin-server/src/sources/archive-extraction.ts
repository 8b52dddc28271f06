/**
 * @module The tar stage of unpacking: node-tar's Parser only reads headers and bodies, every entry
 * passes the rules in archive-entry-rules.ts and the limits, and only then does the DiskWriter
 * create it.
 */
import { Parser, type ReadEntry } from 'tar';
import { ServerError } from '../errors.ts';
import {
  EntryLayout,
  checkExtendedHeader,
  entryKind,
  entryLabel,
  entrySegments,
  fileMode,
  refuseIgnored,
  verifyUnpacked,
} from './archive-entry-rules.ts';
import { RATIO_FLOOR_BYTES, tooLarge, type ArchiveLimits } from './archive-limits.ts';
import { DiskWriter } from './archive-writer.ts';

export interface ExtractResult {
  readonly entries: number;
  readonly bytes: number;
}

function notTar(error: unknown): ServerError {
  const reason = error instanceof Error ? ` (${error.message})` : '';
  return new ServerError('PSRV_ARCHIVE_INVALID', `archive is not a valid tar file${reason}`, {
    cause: error,
  });
}

/** Parses the tar stream, checks each entry and hands what passes to the DiskWriter. */
export class Extraction {
  readonly #limits: ArchiveLimits;
  readonly #root: string;
  readonly #parser: Parser;
  readonly #layout = new EntryLayout();
  readonly #writer: DiskWriter;
  #failed = false;
  #failure: unknown;
  #unpacked = 0;
  #declared = 0;
  #entries = 0;
  #bytes = 0;
  #sawEnd = false;
  #head: Buffer | undefined = Buffer.alloc(0);

  constructor(root: string, limits: ArchiveLimits) {
    this.#root = root;
    this.#limits = limits;
    this.#writer = new DiskWriter(root, (error) => {
      this.fail(error);
    });
    // brotli and zstd off: the only compression accepted is the gzip layer unpacked above.
    this.#parser = new Parser({ strict: true, brotli: false, zstd: false });
    this.#parser.on('entry', (entry: ReadEntry) => {
      this.#guard(entry, () => {
        this.#accept(entry);
      });
    });
    this.#parser.on('ignoredEntry', (entry: ReadEntry) => {
      this.#guard(entry, () => {
        refuseIgnored(entry);
      });
    });
    this.#parser.on('meta', (meta: string) => {
      this.#guard(undefined, () => {
        checkExtendedHeader(meta);
      });
    });
    this.#parser.on('eof', () => {
      this.#sawEnd = true;
    });
    this.#parser.on('error', (error: unknown) => {
      this.fail(notTar(error));
    });
  }

  fail(error: unknown): void {
    if (!this.#failed) {
      this.#failed = true;
      this.#failure = error;
    }
    this.#writer.stop();
  }

  write(chunk: Buffer, compressed: number): void {
    this.#throwIfFailed();
    this.#unpacked += chunk.length;
    if (this.#unpacked > this.#limits.maxTotalBytes) {
      this.fail(
        tooLarge(
          `archive unpacks to more than ${String(this.#limits.maxTotalBytes)} bytes`,
          'maxTotalBytes',
        ),
      );
    } else if (
      this.#unpacked > RATIO_FLOOR_BYTES &&
      this.#unpacked > compressed * this.#limits.maxRatio
    ) {
      this.fail(
        tooLarge(
          `archive unpacks to more than ${String(this.#limits.maxRatio)} times its compressed size`,
          'maxRatio',
        ),
      );
    } else if (!this.#sawEnd) {
      // Like tar, nothing after the end marker is read (it is record padding); it is only counted
      // against the limits above, since node-tar would hold all of it in memory.
      this.#parse(chunk);
    }
    this.#throwIfFailed();
  }

  drained(): Promise<void> {
    return this.#writer.drained();
  }

  end(): void {
    this.#parser.end();
    if (!this.#failed && !this.#sawEnd) {
      this.fail(
        new ServerError(
          'PSRV_ARCHIVE_INVALID',
          'archive is truncated (it has no end-of-archive marker)',
        ),
      );
    }
  }

  /** Waits for every disk step, so nothing is written after this rejects. */
  async finish(): Promise<ExtractResult> {
    await this.#writer.settle();
    this.#throwIfFailed();
    await verifyUnpacked(this.#root, this.#layout.expected());
    return { entries: this.#entries, bytes: this.#bytes };
  }

  #throwIfFailed(): void {
    if (this.#failed) {
      throw this.#failure;
    }
  }

  #parse(chunk: Buffer): void {
    if (this.#head === undefined) {
      this.#feed(chunk);
      return;
    }
    // node-tar would silently gunzip a second layer, uncounted by the limits above.
    const head = Buffer.concat([this.#head, chunk]);
    this.#head = head.length < 2 ? head : undefined;
    if (head[0] === 0x1f && head[1] === 0x8b) {
      this.fail(new ServerError('PSRV_ARCHIVE_INVALID', 'archive is compressed twice'));
    } else if (this.#head === undefined) {
      this.#feed(head);
    }
  }

  #feed(chunk: Buffer): void {
    try {
      this.#parser.write(chunk);
    } catch (error) {
      this.fail(notTar(error));
    }
  }

  #guard(entry: ReadEntry | undefined, check: () => void): void {
    try {
      if (!this.#failed) {
        check();
        return;
      }
    } catch (error) {
      this.fail(error);
    }
    entry?.resume();
  }

  #accept(entry: ReadEntry): void {
    this.#entries += 1;
    if (this.#entries > this.#limits.maxEntries) {
      throw new ServerError(
        'PSRV_ARCHIVE_INVALID',
        `archive has more than ${String(this.#limits.maxEntries)} entries`,
      );
    }
    const kind = entryKind(entry);
    const segments = entrySegments(entry.path, kind, this.#limits.maxDepth);
    if (kind === 'file') {
      this.#declared += entry.size;
      if (entry.size > this.#limits.maxFileBytes) {
        throw tooLarge(
          `${entryLabel(entry.path)} is larger than ${String(this.#limits.maxFileBytes)} bytes`,
          'maxFileBytes',
        );
      }
      if (this.#declared > this.#limits.maxTotalBytes) {
        throw tooLarge(
          `archive unpacks to more than ${String(this.#limits.maxTotalBytes)} bytes`,
          'maxTotalBytes',
        );
      }
    }
    for (const folder of this.#layout.claim(entry.path, segments, kind)) {
      this.#writer.makeFolder(folder);
    }
    if (kind === 'directory') {
      entry.resume();
      return;
    }
    const name = segments.join('/');
    const mode = fileMode(entry.mode);
    this.#writer.openFile(name);
    // 'end' first: an empty entry ends as soon as 'data' starts it flowing.
    entry.on('end', () => {
      this.#writer.closeFile(name, mode);
    });
    entry.on('data', (chunk: Buffer) => {
      this.#bytes += chunk.length;
      this.#writer.write(name, chunk);
    });
  }
}

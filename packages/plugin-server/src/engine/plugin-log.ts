/**
 * @module A plugin's log file: everything its process writes, kept with a size cap, readable as a
 * tail and followable.
 */
import { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Longest line kept in the log, in characters. */
const MAX_LINE_CHARS = 2_000;
/** Tail reads are bounded so a request for the log never loads a whole file. */
const MAX_TAIL_BYTES = 256 * 1024;

export class PluginLog extends EventEmitter<{ line: [string] }> {
  readonly path: string;
  readonly #maxBytes: number;
  #stream: WriteStream;
  #size = 0;
  #rotating = false;

  constructor(path: string, maxBytes: number) {
    super();
    this.path = path;
    this.#maxBytes = maxBytes;
    this.#stream = createWriteStream(path, { flags: 'a' });
    this.#stream.on('error', () => {
      // A full disk must not crash the server; lines are dropped until writes work again.
    });
    void stat(path).then(
      (s) => (this.#size += s.size),
      () => undefined,
    );
  }

  /** Appends one line from the Plugin Server itself (start, exit, reasons), marked as such. */
  note(message: string): void {
    this.#write(
      `${JSON.stringify({ time: new Date().toISOString(), source: 'plugin-server', msg: message })}\n`,
    );
  }

  /** Copies a stream line by line into the log, forever (the plugin must never block on a full pipe). */
  drain(stream: Readable, initial?: Buffer): void {
    let pending = initial === undefined ? '' : initial.toString('utf8');
    const flush = (final: boolean): void => {
      const lines = pending.split('\n');
      pending = final ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        if (line !== '' || final) {
          this.#write(`${line}\n`);
        }
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      // A line without a newline cannot grow without bound: cut it at 64 KiB.
      if (pending.length > 64 * 1024 && !pending.includes('\n')) {
        pending += '\n';
      }
      flush(false);
    });
    stream.on('end', () => {
      if (pending !== '') {
        flush(true);
      }
    });
  }

  /** The last `lines` lines (from at most the last 256 KiB of the file). */
  async tail(lines: number): Promise<string[]> {
    if (lines <= 0) {
      return [];
    }
    const handle = await open(this.path, 'r').catch(() => undefined);
    if (handle === undefined) {
      return [];
    }
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, MAX_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const all = buffer
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '');
      return all.slice(-lines);
    } finally {
      await handle.close();
    }
  }

  close(): void {
    this.#stream.end();
  }

  #write(text: string): void {
    // One line must not flood tails, views and webhooks: keep its start and say how much went.
    const line =
      text.length > MAX_LINE_CHARS
        ? `${text.slice(0, MAX_LINE_CHARS)}… [${String(text.length - MAX_LINE_CHARS)} more characters]\n`
        : text;
    this.#size += Buffer.byteLength(line);
    this.#stream.write(line);
    this.emit('line', line.trimEnd());
    if (this.#size > this.#maxBytes && !this.#rotating) {
      void this.#rotate();
    }
  }

  /** Keeps one previous file (`.1`), so the log holds between one and two times the cap. */
  async #rotate(): Promise<void> {
    this.#rotating = true;
    const old = this.#stream;
    old.end();
    await rename(this.path, `${this.path}.1`).catch(() => undefined);
    this.#stream = createWriteStream(this.path, { flags: 'a' });
    this.#stream.on('error', () => undefined);
    this.#size = 0;
    this.#rotating = false;
  }
}

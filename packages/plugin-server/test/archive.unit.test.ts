import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerError, type ServerErrorCode } from '../src/errors.ts';
import {
  DEFAULT_ARCHIVE_LIMITS,
  extractArchive,
  type ArchiveLimits,
} from '../src/sources/archive.ts';

// ---- raw tar writing: node-tar's writer refuses most of what these tests need to send ----

interface RawEntry {
  readonly name: string | Buffer;
  readonly type?: string;
  readonly mode?: number;
  readonly body?: Buffer | string;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  /** Sent as a PAX extended header ('x') just before this entry. */
  readonly pax?: Readonly<Record<string, string>>;
}

function octal(width: number, value: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: RawEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  const name = Buffer.isBuffer(entry.name) ? entry.name : Buffer.from(entry.name);
  name.copy(block, 0, 0, 100);
  block.write(octal(8, entry.mode ?? (entry.type === '5' ? 0o755 : 0o644)), 100, 'ascii');
  block.write(octal(8, 0), 108, 'ascii');
  block.write(octal(8, 0), 116, 'ascii');
  block.write(octal(12, size), 124, 'ascii');
  block.write(octal(12, 946_684_800), 136, 'ascii');
  block.fill(' ', 148, 156);
  block.write(entry.type ?? '0', 156, 1, 'ascii');
  block.write(entry.linkname ?? '', 157, 100);
  block.write('ustar\u000000', 257, 8, 'ascii');
  block.write('root', 265, 32);
  block.write('root', 297, 32);
  block.write(octal(8, entry.devmajor ?? 0), 329, 'ascii');
  block.write(octal(8, entry.devminor ?? 0), 337, 'ascii');
  let sum = 0;
  for (const byte of block) {
    sum += byte;
  }
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

function padded(body: Buffer): Buffer[] {
  const rest = body.length % 512;
  return rest === 0 ? [body] : [body, Buffer.alloc(512 - rest)];
}

function paxRecord(key: string, value: string): string {
  const text = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(text);
  while (String(length).length + Buffer.byteLength(text) !== length) {
    length = String(length).length + Buffer.byteLength(text);
  }
  return `${String(length)}${text}`;
}

/** An uncompressed tar; `end: false` leaves out the two zero blocks that mark its end. */
function tar(entries: readonly RawEntry[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.pax !== undefined) {
      const records = Buffer.from(
        Object.entries(entry.pax)
          .map(([key, value]) => paxRecord(key, value))
          .join(''),
      );
      parts.push(header({ name: 'PaxHeader', type: 'x' }, records.length), ...padded(records));
    }
    const body = Buffer.from(entry.body ?? '');
    parts.push(header(entry, body.length), ...padded(body));
  }
  if (options.end !== false) {
    parts.push(Buffer.alloc(1024));
  }
  return Buffer.concat(parts);
}

const targz = (entries: readonly RawEntry[]): Buffer => gzipSync(tar(entries));

/** Sends the archive in odd-sized chunks so headers and bodies straddle chunk boundaries. */
async function* chunks(data: Buffer, size = 1000): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size) {
    await Promise.resolve();
    yield data.subarray(offset, offset + size);
  }
}

// ---- sandboxes: destination inside outer inside root, canaries outside the destination ----

interface Sandbox {
  readonly root: string;
  readonly outer: string;
  readonly dest: string;
  snapshot(): Promise<Map<string, string>>;
}

const sandboxes: string[] = [];

afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'plugboard-archive-test-'));
  sandboxes.push(root);
  const outer = join(root, 'outer');
  const dest = join(outer, 'dest');
  await mkdir(dest, { recursive: true });
  await writeFile(join(root, 'canary.txt'), 'root canary\n');
  await writeFile(join(outer, 'canary.txt'), 'outer canary\n');
  await chmod(join(outer, 'canary.txt'), 0o644);
  return { root, outer, dest, snapshot: () => snapshotOutside(root, dest) };
}

/** Every path under root except the destination, with its type, mode and content hash. */
async function snapshotOutside(root: string, skip: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      if (path === skip) {
        continue;
      }
      const stats = await lstat(path);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isSymbolicLink()) {
        found.set(path, `link ${await readlink(path)}`);
      } else if (stats.isDirectory()) {
        found.set(path, `dir ${mode}`);
        await walk(path);
      } else {
        const hash = stats.isFile()
          ? createHash('sha256')
              .update(await readFile(path))
              .digest('hex')
          : 'special';
        found.set(path, `file ${mode} ${String(stats.nlink)} ${hash}`);
      }
    }
  };
  await walk(root);
  return found;
}

/** Whatever was left in the destination is only files and folders (the caller deletes it). */
async function onlyFilesAndFolders(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const stats = await lstat(join(dir, name));
    expect(stats.isFile() || stats.isDirectory()).toBe(true);
    expect(stats.mode & 0o7000).toBe(0);
    if (stats.isDirectory()) {
      await onlyFilesAndFolders(join(dir, name));
    }
  }
}

async function stateOf(path: string): Promise<string> {
  try {
    const stats = await lstat(path);
    return stats.isFile() ? `file ${(await readFile(path)).toString('hex')}` : 'other';
  } catch {
    return 'absent';
  }
}

async function modeOf(path: string): Promise<number> {
  return (await lstat(path)).mode & 0o7777;
}

// ---- the hostile archives ----

interface HostileCase {
  readonly name: string;
  readonly archive: (box: Sandbox) => Buffer;
  readonly code: ServerErrorCode;
  readonly message: RegExp;
  readonly limits?: Partial<ArchiveLimits>;
  /** The limit named in the error's details, for the size limits. */
  readonly limit?: keyof ArchiveLimits;
  /** Paths outside the sandbox the archive aims at; they must be as they were. */
  readonly outside?: readonly string[];
}

const MIB = 1024 * 1024;
const deepName = `${Array.from({ length: 5000 }, () => 'd').join('/')}/f.txt`;

let bombCache: Buffer | undefined;
/** One file of 50 MiB of zeros: about 50 KiB compressed. */
function gzipBomb(): Buffer {
  bombCache ??= gzipSync(
    Buffer.concat([header({ name: 'bomb.bin' }, 50 * MIB), Buffer.alloc(50 * MIB + 1024)]),
    { level: 9 },
  );
  return bombCache;
}

const smallValid = (): Buffer => targz([{ name: 'package.json', body: '{"name":"ok"}\n' }]);

const hostileCases: readonly HostileCase[] = [
  {
    name: 'a ../ entry',
    archive: () => targz([{ name: '../escaped.txt', body: 'pwned' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "\.\.\/escaped\.txt" contains a "\.\." segment/,
  },
  {
    name: 'a ../ entry past a folder',
    archive: () => targz([{ name: 'ok/../../../escaped.txt', body: 'pwned' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "ok\/\.\.\/\.\.\/\.\.\/escaped\.txt" contains a "\.\." segment/,
  },
  {
    name: 'the absolute path /tmp/x',
    archive: () => targz([{ name: '/tmp/x', body: 'pwned' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "\/tmp\/x" is an absolute path/,
    outside: ['/tmp/x'],
  },
  {
    name: 'an absolute path aimed at the canary',
    archive: (box) =>
      targz([{ name: 'x', pax: { path: join(box.outer, 'canary.txt') }, body: 'pwned' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /is an absolute path/,
  },
  {
    name: 'a drive letter (C:../x)',
    archive: () => targz([{ name: 'C:../x', body: 'pwned' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "C:\.\.\/x" starts with a drive letter/,
  },
  {
    name: 'a backslash path (a\\..\\..\\x)',
    archive: () => targz([{ name: 'a\\..\\..\\x', body: 'pwned' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "a\\\\\.\.\\\\\.\.\\\\x" contains a backslash/,
  },
  {
    name: 'a symbolic link',
    archive: () => targz([{ name: 'link', type: '2', linkname: '/etc' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "link" is a symbolic link; packages may contain only files and folders/,
  },
  {
    name: 'a symbolic link, then a file written through it',
    archive: () =>
      targz([
        { name: 'link', type: '2', linkname: '..' },
        { name: 'link/canary.txt', body: 'pwned' },
        { name: 'link/escaped.txt', body: 'pwned' },
      ]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "link" is a symbolic link/,
  },
  {
    name: 'a hard link to /etc/passwd',
    archive: () => targz([{ name: 'passwd', type: '1', linkname: '/etc/passwd' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "passwd" is a hard link; packages may contain only files and folders/,
    outside: ['/etc/passwd'],
  },
  {
    name: 'a hard link with a .. target',
    archive: () => targz([{ name: 'canary', type: '1', linkname: '../canary.txt' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "canary" is a hard link/,
  },
  {
    name: 'a chain of two symbolic links and a hard link',
    archive: () =>
      targz([
        { name: 'package.json', body: '{}' },
        { name: 'one', type: '2', linkname: '..' },
        { name: 'two', type: '2', linkname: 'one/..' },
        { name: 'three', type: '1', linkname: 'two/canary.txt' },
        { name: 'three', body: 'pwned' },
      ]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "one" is a symbolic link/,
  },
  {
    name: 'a FIFO',
    archive: () => targz([{ name: 'pipe', type: '6' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "pipe" is a FIFO \(named pipe\); packages may contain only files and folders/,
  },
  {
    name: 'a character device',
    archive: () => targz([{ name: 'null', type: '3', devmajor: 1, devminor: 3 }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "null" is a character device/,
  },
  {
    name: 'a block device',
    archive: () => targz([{ name: 'disk', type: '4', devmajor: 8, devminor: 0 }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "disk" is a block device/,
  },
  {
    name: 'a type node-tar skips (GNU sparse file)',
    archive: () => targz([{ name: 'sparse', type: 'S', body: 'x' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "sparse" has the unsupported type "SparseFile"/,
  },
  {
    name: '5000 levels of nesting',
    archive: () => targz([{ name: 'deep', pax: { path: deepName }, body: 'deep' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "d\/d\/d.*…" is nested deeper than 32 levels/,
  },
  {
    name: 'nesting past the depth limit one folder at a time',
    archive: () =>
      targz(Array.from({ length: 40 }, (_, i) => ({ name: 'd/'.repeat(i + 1), type: '5' }))),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "(d\/){33}" is nested deeper than 32 levels/,
  },
  {
    name: 'a gzip bomb (ratio)',
    archive: gzipBomb,
    code: 'PSRV_SOURCE_TOO_LARGE',
    message: /unpacks to more than 100 times its compressed size/,
    limit: 'maxRatio',
  },
  {
    name: 'a gzip bomb (total size)',
    archive: gzipBomb,
    limits: { maxTotalBytes: 10 * MIB },
    code: 'PSRV_SOURCE_TOO_LARGE',
    message: /archive unpacks to more than 10485760 bytes/,
    limit: 'maxTotalBytes',
  },
  {
    name: 'a gzip bomb (file size)',
    archive: gzipBomb,
    limits: { maxFileBytes: MIB },
    code: 'PSRV_SOURCE_TOO_LARGE',
    message: /entry "bomb\.bin" is larger than 1048576 bytes/,
    limit: 'maxFileBytes',
  },
  {
    name: 'too many entries',
    archive: () =>
      targz(Array.from({ length: 11 }, (_, i) => ({ name: `f${String(i)}.txt`, body: 'x' }))),
    limits: { maxEntries: 10 },
    code: 'PSRV_ARCHIVE_INVALID',
    message: /archive has more than 10 entries/,
  },
  {
    name: 'a NUL byte in a PAX path',
    archive: () =>
      targz([{ name: 'innocent.txt', pax: { path: 'ok\0../../escaped.txt' }, body: 'x' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "ok\\u0000\.\.\/\.\.\/escaped\.txt" contains a NUL byte/,
  },
  {
    name: 'a NUL byte in a GNU long name',
    archive: () =>
      targz([
        { name: '././@LongLink', type: 'L', body: 'ok\0../../escaped.txt\0' },
        { name: 'innocent.txt', body: 'x' },
      ]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /contains a NUL byte/,
  },
  {
    name: 'an empty name',
    archive: () => targz([{ name: 'x', pax: { path: '' }, body: 'x' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /not a valid tar file.*path is required/,
  },
  {
    name: 'a control character in a name',
    archive: () => targz([{ name: 'bad\nname', body: 'x' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "bad\\nname" contains a control character/,
  },
  {
    name: 'a truncated gzip stream',
    archive: () => {
      const whole = targz([{ name: 'data.bin', body: randomBytes(20_000) }]);
      return whole.subarray(0, whole.length >> 1);
    },
    code: 'PSRV_ARCHIVE_INVALID',
    message: /archive is truncated \(the gzip data ends early\)/,
  },
  {
    name: 'a tar cut off inside a file',
    archive: () =>
      gzipSync(tar([{ name: 'data.bin', body: randomBytes(20_000) }]).subarray(0, 10_000)),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /not a valid tar file.*Truncated input/,
  },
  {
    name: 'a tar without its end marker',
    archive: () => gzipSync(tar([{ name: 'a.txt', body: 'a' }], { end: false })),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /archive is truncated \(it has no end-of-archive marker\)/,
  },
  {
    name: 'an uncompressed tar',
    archive: () => tar([{ name: 'a.txt', body: 'a' }]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /archive is not gzip-compressed/,
  },
  {
    name: 'data that is not an archive at all',
    archive: () => Buffer.from('<html>not found</html>\n'),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /archive is not gzip-compressed/,
  },
  {
    name: 'gzip data that is not a tar',
    archive: () => gzipSync(Buffer.from('just some text, not a tar archive\n'.repeat(100))),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /not a valid tar file/,
  },
  {
    name: 'a tar compressed twice',
    archive: () => gzipSync(targz([{ name: 'a.txt', body: 'a' }])),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /archive is compressed twice/,
  },
  {
    name: 'a header with a bad checksum',
    archive: () => {
      const raw = tar([{ name: 'a.txt', body: 'a' }]);
      raw[0] = 'b'.charCodeAt(0);
      return gzipSync(raw);
    },
    code: 'PSRV_ARCHIVE_INVALID',
    message: /not a valid tar file.*checksum failure/,
  },
  {
    name: 'a duplicate file',
    archive: () =>
      targz([
        { name: 'a.txt', body: 'first' },
        { name: 'a.txt', body: 'second' },
      ]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "a\.txt" appears more than once in the archive \(duplicate entry\)/,
  },
  {
    name: 'a folder and a file of the same name',
    archive: () =>
      targz([
        { name: 'src/', type: '5' },
        { name: 'src', body: 'x' },
      ]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "src" appears more than once/,
  },
  {
    name: 'a file inside a file',
    archive: () =>
      targz([
        { name: 'a', body: 'x' },
        { name: 'a/b', body: 'y' },
      ]),
    code: 'PSRV_ARCHIVE_INVALID',
    message: /entry "a\/b" is inside "a", which is a file/,
  },
  {
    name: 'a compressed input over the limit',
    archive: () => targz([{ name: 'noise.bin', body: randomBytes(8192) }]),
    limits: { maxCompressedBytes: 4096 },
    code: 'PSRV_SOURCE_TOO_LARGE',
    message: /archive is larger than 4096 bytes/,
    limit: 'maxCompressedBytes',
  },
];

describe('extractArchive refuses hostile archives', () => {
  it.each(hostileCases)('$name', async (hostile) => {
    const box = await sandbox();
    const outside = hostile.outside ?? [];
    const outsideBefore = await Promise.all(outside.map(stateOf));
    const before = await box.snapshot();
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...hostile.limits };

    const result = extractArchive(chunks(hostile.archive(box)), box.dest, { limits });

    const error: unknown = await result.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: hostile.code });
    expect((error as ServerError).message).toMatch(hostile.message);
    if (hostile.limit !== undefined) {
      expect((error as ServerError).details).toEqual({ limit: hostile.limit });
    }
    expect(await box.snapshot()).toEqual(before);
    expect(await readFile(join(box.outer, 'canary.txt'), 'utf8')).toBe('outer canary\n');
    expect(await Promise.all(outside.map(stateOf))).toEqual(outsideBefore);
    await onlyFilesAndFolders(box.dest);
  });
});

describe('extractArchive', () => {
  it('unpacks a plugin-like archive with normalised modes', async () => {
    const box = await sandbox();
    const archive = targz([
      { name: './', type: '5', mode: 0o700 },
      { name: 'package.json', body: '{"name":"demo"}\n', mode: 0o600 },
      { name: 'src/', type: '5', mode: 0o777 },
      { name: 'src/index.ts', body: 'export {};\n', mode: 0o666 },
      { name: 'src/lib/deep/util.ts', body: 'export const x = 1;\n' },
      { name: 'src/lib/', type: '5' },
      { name: 'bin/run.sh', body: '#!/bin/sh\necho hi\n', mode: 0o744 },
      { name: 'empty.txt' },
      { name: 'data.bin', body: randomBytes(200_000) },
    ]);

    const result = await extractArchive(chunks(archive, 777), box.dest);

    expect(result).toEqual({ entries: 9, bytes: 16 + 11 + 20 + 18 + 200_000 });
    expect(await readFile(join(box.dest, 'package.json'), 'utf8')).toBe('{"name":"demo"}\n');
    expect(await readFile(join(box.dest, 'src/lib/deep/util.ts'), 'utf8')).toBe(
      'export const x = 1;\n',
    );
    expect((await readFile(join(box.dest, 'data.bin'))).length).toBe(200_000);
    expect(await readFile(join(box.dest, 'empty.txt'), 'utf8')).toBe('');
    expect(await modeOf(join(box.dest, 'package.json'))).toBe(0o644);
    expect(await modeOf(join(box.dest, 'src/index.ts'))).toBe(0o644);
    expect(await modeOf(join(box.dest, 'bin/run.sh'))).toBe(0o755);
    for (const folder of ['src', 'src/lib', 'src/lib/deep', 'bin']) {
      expect(await modeOf(join(box.dest, folder))).toBe(0o755);
    }
    expect((await readdir(box.dest, { recursive: true })).sort()).toEqual([
      'bin',
      'bin/run.sh',
      'data.bin',
      'empty.txt',
      'package.json',
      'src',
      'src/index.ts',
      'src/lib',
      'src/lib/deep',
      'src/lib/deep/util.ts',
    ]);
  });

  it('reads nothing after the end marker: record padding or anything else', async () => {
    const box = await sandbox();
    const hidden = tar([{ name: 'hidden.txt', body: 'not listed before the end marker' }]);
    const archive = gzipSync(
      Buffer.concat([tar([{ name: 'a.txt', body: 'a' }]), Buffer.alloc(8192), hidden]),
    );

    const result = await extractArchive(chunks(archive), box.dest);

    expect(result).toEqual({ entries: 1, bytes: 1 });
    expect(await readdir(box.dest)).toEqual(['a.txt']);
  });

  it('accepts a small archive that compresses very well (under the ratio floor)', async () => {
    const box = await sandbox();
    const archive = targz([{ name: 'zeros.bin', body: Buffer.alloc(512 * 1024) }]);
    expect(archive.length * 100).toBeLessThan(512 * 1024);

    expect(await extractArchive(chunks(archive), box.dest)).toEqual({
      entries: 1,
      bytes: 512 * 1024,
    });
  });

  it('drops setuid, setgid and sticky bits', async () => {
    const box = await sandbox();
    const archive = targz([
      { name: 'sticky/', type: '5', mode: 0o1777 },
      { name: 'setgid/', type: '5', mode: 0o2775 },
      { name: 'setuid', body: '#!/bin/sh\n', mode: 0o4755 },
      { name: 'setgid/tool', body: '#!/bin/sh\n', mode: 0o2750 },
      { name: 'writable.txt', body: 'x', mode: 0o4666 },
    ]);

    await extractArchive(chunks(archive), box.dest);

    expect(await modeOf(join(box.dest, 'sticky'))).toBe(0o755);
    expect(await modeOf(join(box.dest, 'setgid'))).toBe(0o755);
    expect(await modeOf(join(box.dest, 'setuid'))).toBe(0o755);
    expect(await modeOf(join(box.dest, 'setgid/tool'))).toBe(0o755);
    expect(await modeOf(join(box.dest, 'writable.txt'))).toBe(0o644);
  });

  it('unpacks an archive written by node-tar with portable: true, from a file stream', async () => {
    const box = await sandbox();
    const staging = join(box.root, 'staging');
    await mkdir(join(staging, 'src', 'nodes'), { recursive: true });
    await writeFile(join(staging, 'package.json'), '{"name":"portable"}\n');
    await writeFile(join(staging, 'src', 'index.ts'), 'export {};\n');
    await writeFile(join(staging, 'src', 'nodes', 'greet.ts'), 'export const greet = 1;\n');
    await writeFile(join(staging, 'start.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await chmod(join(staging, 'start.sh'), 0o755);
    const file = join(box.root, 'portable.tar.gz');
    await create({ file, cwd: staging, gzip: true, portable: true }, ['.']);

    const result = await extractArchive(createReadStream(file), box.dest);

    expect(result.entries).toBe(7);
    expect(await readFile(join(box.dest, 'src/nodes/greet.ts'), 'utf8')).toBe(
      'export const greet = 1;\n',
    );
    expect(await modeOf(join(box.dest, 'start.sh'))).toBe(0o755);
    expect(await modeOf(join(box.dest, 'package.json'))).toBe(0o644);
  });

  it('rejects with the reason of an abort mid-stream and stops reading', async () => {
    const box = await sandbox();
    const archive = targz([{ name: 'data.bin', body: randomBytes(100_000) }]);
    const controller = new AbortController();
    const reason = new ServerError('PSRV_SOURCE_TIMEOUT', 'took too long');
    let sent = 0;
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let offset = 0; offset < archive.length; offset += 4096) {
        if (offset === 8192) {
          controller.abort(reason);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
        sent += 1;
        yield archive.subarray(offset, offset + 4096);
      }
    }

    await expect(extractArchive(slow(), box.dest, { signal: controller.signal })).rejects.toBe(
      reason,
    );
    expect(sent).toBeLessThan(5);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const box = await sandbox();
    const before = await readdir(box.dest);
    await expect(
      extractArchive(chunks(smallValid()), box.dest, {
        signal: AbortSignal.abort(new Error('gone')),
      }),
    ).rejects.toThrow('gone');
    expect(await readdir(box.dest)).toEqual(before);
  });

  it('refuses a destination that is not empty', async () => {
    const box = await sandbox();
    await writeFile(join(box.dest, 'left-over'), 'x');
    await expect(extractArchive(chunks(smallValid()), box.dest)).rejects.toMatchObject({
      code: 'PSRV_INTERNAL',
    });
  });
});

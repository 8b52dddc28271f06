// The transfers the file bridge benchmark times, each checked end to end: a download is read to
// its last byte, an upload is stored by the platform stand-in with the sha256 it was sent with.
// "Plain" ones go straight to the stand-in (the platform's own endpoints, with its key); "bridge"
// ones go through the Plugin Server's /bridge with the plugin's launch token, as the SDK calls it;
// copy-file is the real thing: the plugin process downloading and uploading through the bridge.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { FILE_BRIDGE_HEADERS, type FileRef } from '@plugboard/protocol';
import { request, type Agent } from 'undici';
import { API_KEY } from './bench-server.ts';
import type { PlatformProcess } from './platform-process.ts';

export const CALL_TOKEN = 'bench-bridge-run';
export const PLUGIN_ID = 'faulty';

export interface BenchFile extends FileRef {
  /** Always known here: the stand-in answers it from the file on disk. */
  readonly size: number;
  readonly path: string;
  readonly sha256: string;
}

export interface Endpoints {
  readonly platform: PlatformProcess;
  /** The Plugin Server's URL. */
  readonly server: string;
  readonly launchToken: string;
  /** Destroyed at the end, so no idle keep-alive connection holds a server's close up. */
  readonly client: Agent;
}

type Transfer = (at: Endpoints, file: BenchFile) => Promise<void>;

const platformHeaders = (at: Endpoints): Record<string, string> => ({
  authorization: `Bearer ${at.platform.apiKey}`,
  [FILE_BRIDGE_HEADERS.callToken]: CALL_TOKEN,
});

const bridgeHeaders = (at: Endpoints): Record<string, string> => ({
  authorization: `Bearer ${at.launchToken}`,
  [FILE_BRIDGE_HEADERS.callToken]: CALL_TOKEN,
});

async function download(at: Endpoints, url: string, headers: Record<string, string>) {
  const response = await request(url, { dispatcher: at.client, headers });
  if (response.statusCode !== 200) {
    throw new Error(`GET ${url}: ${String(response.statusCode)} ${await response.body.text()}`);
  }
  return response.body;
}

async function readToEnd(body: AsyncIterable<Buffer>, file: BenchFile): Promise<void> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
  }
  if (bytes !== file.size) {
    throw new Error(`${file.id}: ${String(bytes)} bytes read, not ${String(file.size)}`);
  }
}

async function upload(
  at: Endpoints,
  target: { url: string; headers: Record<string, string> },
  body: Readable,
  file: BenchFile,
): Promise<void> {
  const response = await request(target.url, {
    dispatcher: at.client,
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'application/octet-stream' },
    body,
  });
  const answer = await response.body.text();
  await checkStored(at, (JSON.parse(answer) as Partial<FileRef>).id, file, answer);
}

async function checkStored(
  at: Endpoints,
  id: string | undefined,
  file: BenchFile,
  answer: string,
): Promise<void> {
  const stored = (await at.platform.uploads()).find((u) => u.id === id);
  if (stored?.sha256 !== file.sha256) {
    throw new Error(`upload of ${file.id} not stored intact: ${answer.slice(0, 300)}`);
  }
}

const platformFile = (at: Endpoints, file: BenchFile): string =>
  `${at.platform.url}/plugin-server/files/${encodeURIComponent(file.id)}`;
const platformUpload = (at: Endpoints) => ({
  url: `${at.platform.url}/plugin-server/files/upload`,
  headers: platformHeaders(at),
});
const bridgeUpload = (at: Endpoints) => ({
  url: `${at.server}/bridge/files`,
  headers: bridgeHeaders(at),
});

export const plainDownload: Transfer = async (at, file) => {
  await readToEnd(await download(at, platformFile(at, file), platformHeaders(at)), file);
};

export const plainUpload: Transfer = (at, file) =>
  upload(at, platformUpload(at), createReadStream(file.path), file);

/** What copy-file does, without bridge or plugin: the download piped into an upload. */
export const plainCopy: Transfer = async (at, file) => {
  const body = await download(at, platformFile(at, file), platformHeaders(at));
  await upload(at, platformUpload(at), body, file);
};

export const bridgeDownload: Transfer = async (at, file) => {
  const url = `${at.server}/bridge/files/${encodeURIComponent(file.id)}`;
  await readToEnd(await download(at, url, bridgeHeaders(at)), file);
};

export const bridgeUploadOnly: Transfer = (at, file) =>
  upload(at, bridgeUpload(at), createReadStream(file.path), file);

/** A copy node executed as the platform would: the plugin streams the file down and back up. */
const copyNode =
  (node: string): Transfer =>
  async (at, file) => {
    const response = await request(`${at.server}/plugins/${PLUGIN_ID}/nodes/${node}/execute`, {
      dispatcher: at.client,
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { doc: file }, context: { callToken: CALL_TOKEN } }),
    });
    const answer = await response.body.text();
    const outputs = (JSON.parse(answer) as { outputs?: { doc?: FileRef } }).outputs;
    if (response.statusCode !== 200) {
      throw new Error(
        `${node} of ${file.id}: ${String(response.statusCode)} ${answer.slice(0, 300)}`,
      );
    }
    await checkStored(at, outputs?.doc?.id, file, answer);
  };

/** The file read as a web stream, counted in a TransformStream, and uploaded from it. */
export const copyFileNode = copyNode('copy-file');
/** The file handle given to `ctx.files.create` as it is: Node streams end to end. */
export const copyAsIsNode = copyNode('copy-file-as-is');

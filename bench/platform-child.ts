// The platform stand-in (the tests' test/helpers/platform-stand-in.ts) in a process of its own,
// driven over IPC by platform-process.ts: the file bridge benchmark then measures the Plugin
// Server's work alone in the bench process (CPU and memory), as in production, where the platform
// is another service, instead of also charging it the stand-in's disk reads, writes and hashing.
import { startPlatformStandIn } from '../packages/plugin-server/test/helpers/platform-stand-in.ts';

export type PlatformCall =
  | { readonly op: 'addFile'; readonly id: string; readonly path: string }
  | { readonly op: 'grant'; readonly token: string; readonly ids: string[] }
  | { readonly op: 'uploads' }
  | { readonly op: 'close' };
export type PlatformRequest = PlatformCall & { readonly seq: number };

export interface PlatformReply {
  readonly seq: number;
  readonly result?: unknown;
  readonly error?: string;
}

if (process.send !== undefined) {
  const send = (message: unknown): void => {
    process.send?.(message);
  };
  const platform = await startPlatformStandIn();
  const handle = async (request: PlatformRequest): Promise<unknown> => {
    switch (request.op) {
      case 'addFile':
        return platform.addFile(request.id, { path: request.path }, `${request.id}.bin`);
      case 'grant':
        platform.grant(request.token, request.ids, { upload: true });
        return undefined;
      case 'uploads':
        return platform.uploads();
      case 'close':
        await platform.close();
        return undefined;
    }
  };
  process.on('message', (request: PlatformRequest) => {
    handle(request).then(
      (result) => {
        send({ seq: request.seq, result });
        if (request.op === 'close') {
          // Nothing else holds the process open: it exits once the channel is gone.
          process.disconnect();
        }
      },
      (error: unknown) => {
        send({ seq: request.seq, error: String(error) });
      },
    );
  });
  send({ seq: 0, result: { url: platform.url, apiKey: platform.apiKey } });
}

/**
 * @module What the CLI tells its user. The only module that writes to the terminal: results go to
 * stdout (so they can be piped), progress and errors to stderr.
 */

export interface Output {
  result(text: string): void;
  info(text: string): void;
  error(text: string): void;
}

export function createOutput(streams: {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}): Output {
  const write = (stream: NodeJS.WritableStream, text: string): void => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  return {
    result: (text) => {
      write(streams.stdout, text);
    },
    info: (text) => {
      write(streams.stderr, text);
    },
    error: (text) => {
      write(streams.stderr, `error ${text}`);
    },
  };
}

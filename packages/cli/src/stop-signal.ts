/**
 * @module The signal that stops a long-running command (`start`, `server`, `platform`, `worker`):
 * the first SIGINT or SIGTERM starts an orderly stop; later ones are noted and ignored, so a
 * terminal's Ctrl-C arriving twice (once from the terminal, once forwarded by the Node 20
 * launcher) cannot cut the stop short. A stop that takes longer than the limit ends the process.
 */
import type { Output } from './output.ts';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function stopSignal(output: Output): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        output.info(`received ${signal} again; still stopping`);
        return;
      }
      stopping = true;
      resolve(signal);
    };
    for (const signal of SIGNALS) {
      // Kept for the whole run: removing them would let a repeated signal kill the process.
      process.on(signal, onSignal);
    }
  });
}

/** Runs the stop, and ends the process if it has not finished within `limitMs`. */
export async function stopWithin(
  limitMs: number,
  stop: () => Promise<void>,
  output: Output,
): Promise<void> {
  const timer = setTimeout(() => {
    output.error(`the stop took longer than ${String(limitMs / 1000)} s; exiting anyway`);
    process.exit(1);
  }, limitMs);
  timer.unref();
  try {
    await stop();
  } finally {
    clearTimeout(timer);
  }
}

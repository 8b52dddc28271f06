/**
 * @module `node egress-relay-main.ts <socket> -- <command> [args…]`: runs a command inside a
 * sandbox without a network (the Plugin Server's dependency installer) with its HTTP_PROXY and
 * HTTPS_PROXY (127.0.0.1:EGRESS_PROXY_PORT) relayed to the server's egress proxy on <socket>,
 * and exits with the command's exit code.
 */
import { spawn } from 'node:child_process';
import { startEgressRelay } from './egress-relay.ts';

const [socket, separator, command, ...args] = process.argv.slice(2);
if (socket === undefined || separator !== '--' || command === undefined) {
  process.stderr.write('usage: egress-relay-main.ts <socket> -- <command> [args…]\n');
  process.exit(2);
}
await startEgressRelay(socket);
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.once('error', (error) => {
  process.stderr.write(`cannot run ${command}: ${error.message}\n`);
  process.exit(127);
});
child.once('exit', (code, signal) => {
  process.exit(code ?? (signal === null ? 1 : 128));
});

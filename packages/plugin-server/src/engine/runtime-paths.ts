/**
 * @module Which folders a plugin process must be able to read to run `plugboard plugin serve`:
 * the CLI, the SDK and protocol packages (real paths, past workspace links) and every
 * node_modules/package.json the module resolver looks at on the way up. Nothing else of the
 * server's machine is readable to a plugin.
 */
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function runtimeReadPaths(serveBin: string): string[] {
  const cliDir = packageDirOf(realpathSync(serveBin));
  const sdkDir = dirname(
    realpathSync(
      createRequire(join(cliDir, 'package.json')).resolve('@plugboard/sdk/package.json'),
    ),
  );
  const protocolDir = dirname(
    realpathSync(
      createRequire(join(sdkDir, 'package.json')).resolve('@plugboard/protocol/package.json'),
    ),
  );
  const paths = new Set<string>([cliDir, sdkDir, protocolDir]);
  for (const start of [cliDir, sdkDir, protocolDir]) {
    for (let dir = dirname(start); dir !== dirname(dir); dir = dirname(dir)) {
      for (const entry of ['node_modules', 'package.json']) {
        if (existsSync(join(dir, entry))) {
          paths.add(join(dir, entry));
        }
      }
    }
  }
  return [...paths];
}

/** The SDK's egress relay, which gives a tool in a sandbox without a network its HTTP proxy. */
export function egressRelayScript(serveBin: string): string {
  const cliDir = packageDirOf(realpathSync(serveBin));
  return realpathSync(
    createRequire(join(cliDir, 'package.json')).resolve('@plugboard/sdk/runtime/egress-relay'),
  );
}

function packageDirOf(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      return dir;
    }
  }
  return dirname(file);
}

/**
 * @module The forwarded calls' lean path: `POST /plugins/{id}/nodes/{name}/execute|config`,
 * `/plugins/{id}/integrations/{name}/config|ready` and `/plugins/{id}/validate-config`, taken in
 * front of Fastify. Forwarding is what every plugin node of every run pays for, and the profile of
 * the hop (docs/performance.md) showed routing, hooks, reply objects and per-request logging
 * costing about as much as the forwarding itself. It keeps what Fastify gave these routes: the same
 * API keys, the 503 of a closing server, the same limits and error envelope (the relay is shared
 * with the routes, which stay for the OpenAPI document and for any URL this path leaves them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFailure } from '@plugboard/service-kit';
import { ServerError } from '../errors.ts';
import type { ForwardTarget } from '../forward/forwarder.ts';
import { relay, type RelayDeps } from './forward-relay.ts';

const FORWARDED =
  /^\/plugins\/([^/?]+)\/(?:(nodes)\/([^/?]+)\/(execute|config)|(integrations)\/([^/?]+)\/(config|ready)|(validate-config))$/;

export interface ForwardPathDeps extends RelayDeps {
  /** Whether the Authorization header carries an accepted API key. */
  readonly accepts: (header: string | undefined) => boolean;
}

/** The request listener's first look: true when it took the request. */
export function createForwardPath(
  deps: ForwardPathDeps,
): (req: IncomingMessage, res: ServerResponse, closing: boolean) => boolean {
  return (req, res, closing) => {
    if (req.method !== 'POST' || req.url === undefined) {
      return false;
    }
    const match = FORWARDED.exec(req.url);
    const call = match === null ? undefined : callOf(match);
    if (call === undefined) {
      return false;
    }
    if (closing) {
      refuse(
        req,
        res,
        new ServerError(
          'PSRV_UNAVAILABLE',
          'the Plugin Server is shutting down; retry in a moment',
          {
            details: { forwarded: false },
          },
        ),
      );
    } else if (!deps.accepts(req.headers.authorization)) {
      refuse(
        req,
        res,
        new ServerError(
          'PSRV_UNAUTHORIZED',
          'missing or wrong API key; send "Authorization: Bearer <key>" with a key from PLUGBOARD_SERVER_API_KEYS',
        ),
      );
    } else {
      void relay(deps, { req, res }, call);
    }
    return true;
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, failure: ServerError): void {
  req.resume();
  writeFailure(res, failure);
}

/** The plugin and target a matched URL names; undefined when a segment does not decode. */
function callOf(match: RegExpExecArray): { pluginId: string; target: ForwardTarget } | undefined {
  try {
    const pluginId = decodeURIComponent(match[1] ?? '');
    if (match[8] !== undefined) {
      return { pluginId, target: { kind: 'validate-config' } };
    }
    if (match[2] !== undefined) {
      const action = match[4] === 'execute' ? 'execute' : 'config';
      return {
        pluginId,
        target: { kind: 'node', name: decodeURIComponent(match[3] ?? ''), action },
      };
    }
    const action = match[7] === 'ready' ? 'ready' : 'config';
    return {
      pluginId,
      target: { kind: 'integration', name: decodeURIComponent(match[6] ?? ''), action },
    };
  } catch {
    // A malformed escape: Fastify's routes answer it with their own 400.
    return undefined;
  }
}

// The http-auth integration: a bearer token or an API key, and the readiness check that tries them.
import { defineIntegration, isPluginError, secret, z } from '@plugboard/sdk';
import { createGuard, type DestinationConfig } from './destination.ts';
import { parseHttpUrl } from './send.ts';

const credentials = z.object({
  type: z
    .enum(['bearer', 'api-key'])
    .default('bearer')
    .describe(
      'bearer: send "Authorization: Bearer <token>"; api-key: send the token in the header named below.',
    ),
  token: secret().describe('The bearer token or API key.'),
  headerName: z
    .string()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name')
    .default('X-API-Key')
    .describe('Header that carries the API key (type api-key only).'),
  checkUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'A URL on a public address that the readiness check GETs with these credentials (e.g. https://api.example.com/me); ready when it answers 2xx. Without it the credentials are not tried.',
    ),
});

export type Credentials = z.output<typeof credentials>;

export function authHeaders(given: Credentials): Record<string, string> {
  return given.type === 'bearer'
    ? { authorization: `Bearer ${given.token}` }
    : { [given.headerName]: given.token };
}

// The platform asks for the readiness check without the plugin's config, so the check cannot know
// whether an operator opened private networks: it calls public addresses only.
const PUBLIC_ONLY: DestinationConfig = { allowPrivateNetworks: false, allowedHosts: [] };

/** Tries the credentials on their check URL, reaching only what `destinations` allows. */
export async function checkCredentials(
  given: Credentials,
  signal: AbortSignal,
  destinations: DestinationConfig,
): Promise<{ ready: boolean; message?: string }> {
  if (given.checkUrl === undefined) {
    return { ready: true, message: 'No check URL is set, so the credentials were not tried' };
  }
  const url = parseHttpUrl(given.checkUrl);
  const guard = createGuard(destinations);
  try {
    const response = await guard.fetch(url, {
      headers: authHeaders(given),
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    });
    await response.body?.cancel();
    if (response.ok) {
      return { ready: true };
    }
    return {
      ready: false,
      message: `${url.href} answered ${String(response.status)} ${response.statusText}`.trim(),
    };
  } catch (error) {
    if (isPluginError(error) && error.code === 'DESTINATION_NOT_ALLOWED') {
      return {
        ready: true,
        message: `${url.href} is not on a public address, so the readiness check did not call it and the credentials were not tried (${error.message})`,
      };
    }
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const reason =
      typeof cause === 'string' ? cause : error instanceof Error ? error.message : String(error);
    return { ready: false, message: `${url.href} could not be reached: ${reason}` };
  } finally {
    await guard.close();
  }
}

export const httpAuth = defineIntegration({
  name: 'http-auth',
  displayName: 'HTTP credentials',
  description:
    'A bearer token or an API key sent in a header of your choice, for the "HTTP request with credentials" node.',
  credentials,
  ready: (given, ctx) => checkCredentials(given, ctx.signal, PUBLIC_ONLY),
});

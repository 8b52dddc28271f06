// Official plugin: HTTP requests, plain or with stored credentials (bearer token or API key).
import {
  defineIntegration,
  defineNode,
  definePlugin,
  file,
  secret,
  z,
  type DynamicConfigResult,
} from '@plugboard/sdk';
import { parseHttpUrl, send, type RequestSpec } from './send.ts';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const inputs = z.object({
  url: z.string().min(1).describe('Absolute http:// or https:// URL; other schemes are refused.'),
  query: z
    .record(z.string(), z.union([scalar, z.array(scalar)]))
    .optional()
    .describe('Query parameters added to the URL; a list repeats the parameter.'),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe('Request headers, e.g. { "accept": "application/json" }.'),
  body: z
    .unknown()
    .optional()
    .describe(
      'The request body: any JSON value for body type "json", a string for "text", an object of fields for "form". Not allowed with GET and HEAD.',
    ),
});

const outputs = z.object({
  status: z.number().int().describe('HTTP status code, e.g. 200.'),
  statusText: z.string().describe('HTTP reason phrase, e.g. "OK".'),
  ok: z.boolean().describe('Whether the status is 2xx.'),
  url: z.string().describe('The URL that answered, after redirects.'),
  headers: z
    .record(z.string(), z.string())
    .describe('Response headers, names in lower case; repeated headers joined with ", ".'),
  body: z
    .unknown()
    .describe(
      'The response body: parsed JSON when the content type is JSON (or responseType is "json"), else text; null when empty or saved as a file.',
    ),
  file: file().optional().describe('The response body as a file, when responseType is "file".'),
});

const config = z.object({
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])
    .default('GET')
    .describe('HTTP method.'),
  bodyType: z
    .enum(['json', 'text', 'form'])
    .default('json')
    .describe(
      'How the body is sent: json (application/json), text (text/plain) or form (application/x-www-form-urlencoded). A content-type header you set wins.',
    ),
  responseType: z
    .enum(['auto', 'json', 'text', 'file'])
    .default('auto')
    .describe(
      'auto: JSON when the content type says so, else text; json: always parse as JSON; text: never parse; file: stream the body into a new file (any size).',
    ),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(600_000)
    .default(30_000)
    .describe('Give up after this many milliseconds, for the whole exchange.'),
  followRedirects: z
    .boolean()
    .default(true)
    .describe(
      'Follow up to 10 redirects. Credentials and Authorization/Cookie headers are not sent to another origin.',
    ),
  failOnHttpError: z
    .boolean()
    .default(false)
    .describe(
      'Fail with HTTP_ERROR when the status is not 2xx (retryable for 408, 429 and 5xx) instead of returning it.',
    ),
  maxResponseBytes: z
    .number()
    .int()
    .min(1)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024)
    .describe('Largest body read into the output (not for "file"); larger ones fail.'),
});

type Config = z.output<typeof config>;

/** Edit-time help: no body settings for methods without a body, no size limit for files. */
function describeConfig(current: Partial<z.input<typeof config>>): DynamicConfigResult {
  const bodyless =
    current.method === undefined || current.method === 'GET' || current.method === 'HEAD';
  return {
    fields: {
      bodyType: { hidden: bodyless },
      maxResponseBytes: { hidden: current.responseType === 'file' },
    },
  };
}

function specOf(
  given: z.output<typeof inputs>,
  settings: Config,
  credentialHeaders?: Record<string, string>,
): RequestSpec {
  return {
    ...settings,
    url: given.url,
    query: given.query,
    headers: given.headers,
    body: given.body,
    ...(credentialHeaders === undefined ? {} : { credentialHeaders }),
  };
}

export const request = defineNode({
  name: 'request',
  title: 'HTTP request',
  description:
    'Sends an HTTP request and returns the status, headers and body (JSON parsed when the content type says so). Only http and https URLs; the whole exchange is bounded by a timeout.',
  category: 'network',
  inputs,
  outputs,
  config,
  dynamicConfig: (_ctx, current) => describeConfig(current),
  run: (ctx, given, settings) => send(ctx, specOf(given, settings)),
});

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
      'A URL the readiness check GETs with these credentials (e.g. https://api.example.com/me); ready when it answers 2xx. Without it the credentials are not tried.',
    ),
});

type Credentials = z.output<typeof credentials>;

function authHeaders(given: Credentials): Record<string, string> {
  return given.type === 'bearer'
    ? { authorization: `Bearer ${given.token}` }
    : { [given.headerName]: given.token };
}

export const httpAuth = defineIntegration({
  name: 'http-auth',
  displayName: 'HTTP credentials',
  description:
    'A bearer token or an API key sent in a header of your choice, for the "HTTP request with credentials" node.',
  credentials,
  ready: async (given, ctx) => {
    if (given.checkUrl === undefined) {
      return { ready: true, message: 'No check URL is set, so the credentials were not tried' };
    }
    const url = parseHttpUrl(given.checkUrl);
    try {
      const response = await fetch(url, {
        headers: authHeaders(given),
        redirect: 'manual',
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(10_000)]),
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
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const reason =
        typeof cause === 'string' ? cause : error instanceof Error ? error.message : String(error);
      return { ready: false, message: `${url.href} could not be reached: ${reason}` };
    }
  },
});

export const authenticatedRequest = defineNode({
  name: 'authenticated-request',
  title: 'HTTP request with credentials',
  description:
    'Like "HTTP request", and adds the stored HTTP credentials (bearer token or API-key header). The credentials are sent to the URL\'s origin only, never to a redirect target elsewhere.',
  category: 'network',
  inputs,
  outputs,
  config,
  integrations: [httpAuth],
  dynamicConfig: (_ctx, current) => describeConfig(current),
  run: (ctx, given, settings) =>
    send(ctx, specOf(given, settings, authHeaders(ctx.credentials['http-auth']))),
});

export default definePlugin({
  id: 'http-request',
  version: '1.0.0',
  displayName: 'HTTP request',
  description:
    'Call HTTP APIs: any method, query, headers, JSON/text/form bodies, JSON responses parsed, downloads saved as files, with optional bearer-token or API-key credentials.',
  author: 'Plugboard',
  nodes: [request, authenticatedRequest],
});

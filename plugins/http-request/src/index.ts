// Official plugin: HTTP requests, plain or with stored credentials (bearer token or API key).
import { defineNode, definePlugin, file, z, type DynamicConfigResult } from '@plugboard/sdk';
import { authHeaders, checkCredentials, httpAuth } from './credentials.ts';
import { pluginConfig, type DestinationConfig } from './destination.ts';
import { send, type RequestSpec } from './send.ts';

export { checkCredentials, httpAuth };

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
  settings: Config & { destinations: DestinationConfig },
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
    'Sends an HTTP request and returns the status, headers and body (JSON parsed when the content type says so). Only http and https URLs on public addresses (the plugin config can allow private networks); the whole exchange is bounded by a timeout.',
  category: 'network',
  inputs,
  outputs,
  config,
  pluginConfig,
  dynamicConfig: (_ctx, current) => describeConfig(current),
  run: (ctx, given, settings) =>
    send(ctx, specOf(given, { ...settings, destinations: ctx.pluginConfig })),
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
  pluginConfig,
  dynamicConfig: (_ctx, current) => describeConfig(current),
  run: (ctx, given, settings) =>
    send(
      ctx,
      specOf(
        given,
        { ...settings, destinations: ctx.pluginConfig },
        authHeaders(ctx.credentials['http-auth']),
      ),
    ),
});

export default definePlugin({
  id: 'http-request',
  version: '1.0.0',
  displayName: 'HTTP request',
  description:
    'Call HTTP APIs: any method, query, headers, JSON/text/form bodies, JSON responses parsed, downloads saved as files, with optional bearer-token or API-key credentials.',
  author: 'Plugboard',
  config: pluginConfig,
  nodes: [request, authenticatedRequest],
  // Its whole job: calling other hosts. A Plugin Server runs it only where the operator grants this.
  permissions: { network: true },
});

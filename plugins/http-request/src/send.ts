// Performs one HTTP exchange for the request nodes: builds the request, follows redirects itself
// (so credentials never travel to another origin and every hop's destination is checked), enforces
// the timeout and the size limit, and decodes the response.
import { Headers, type Response } from 'undici';
import { isPluginError, PluginError, type ExecutionContext, type FileRef } from '@plugboard/sdk';
import { createGuard, type DestinationConfig, type Guard } from './destination.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
type QueryValue = string | number | boolean;

export interface RequestSpec {
  readonly url: string;
  readonly method: Method;
  readonly query?: Record<string, QueryValue | QueryValue[]> | undefined;
  readonly headers?: Record<string, string> | undefined;
  readonly body?: unknown;
  readonly bodyType: 'json' | 'text' | 'form';
  readonly responseType: 'auto' | 'json' | 'text' | 'file';
  readonly timeoutMs: number;
  readonly followRedirects: boolean;
  readonly failOnHttpError: boolean;
  readonly maxResponseBytes: number;
  /** Headers that carry credentials: sent to the first origin only, dropped on a cross-origin redirect. */
  readonly credentialHeaders?: Record<string, string>;
  /** Which destinations the plugin's config lets requests reach. */
  readonly destinations: DestinationConfig;
}

export interface ResponseResult {
  status: number;
  statusText: string;
  ok: boolean;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  file?: FileRef;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
/** Headers fetch itself drops when a redirect leaves the origin; we do the same for ours. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** Parses a URL and accepts only http and https, explaining anything else. */
export function parseHttpUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PluginError(`"${value}" is not a URL; give an absolute http:// or https:// URL`, {
      code: 'INVALID_URL',
      details: { url: value },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PluginError(
      `Only http and https URLs can be requested, not ${url.protocol.replace(/:$/, '')}`,
      { code: 'UNSUPPORTED_URL', details: { url: value, protocol: url.protocol } },
    );
  }
  return url;
}

function buildUrl(spec: RequestSpec): URL {
  const url = parseHttpUrl(spec.url);
  for (const [key, value] of Object.entries(spec.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(key, String(item));
    }
  }
  return url;
}

function buildBody(spec: RequestSpec, headers: Headers): string | undefined {
  if (spec.body === undefined || spec.body === null) {
    return undefined;
  }
  if (spec.method === 'GET' || spec.method === 'HEAD') {
    throw new PluginError(`A ${spec.method} request cannot have a body; use POST, PUT or PATCH`, {
      code: 'BODY_NOT_ALLOWED',
    });
  }
  const setType = (type: string): void => {
    if (!headers.has('content-type')) {
      headers.set('content-type', type);
    }
  };
  switch (spec.bodyType) {
    case 'json':
      setType('application/json');
      return JSON.stringify(spec.body);
    case 'text':
      if (typeof spec.body !== 'string') {
        throw new PluginError('With body type "text" the body must be a string', {
          code: 'INVALID_BODY',
        });
      }
      setType('text/plain;charset=utf-8');
      return spec.body;
    case 'form': {
      if (typeof spec.body !== 'object' || Array.isArray(spec.body)) {
        throw new PluginError('With body type "form" the body must be an object of fields', {
          code: 'INVALID_BODY',
        });
      }
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(spec.body as Record<string, unknown>)) {
        for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
          form.append(key, typeof item === 'string' ? item : JSON.stringify(item));
        }
      }
      setType('application/x-www-form-urlencoded');
      return form.toString();
    }
  }
}

function buildHeaders(spec: RequestSpec): Headers {
  try {
    return new Headers({ ...spec.headers, ...spec.credentialHeaders });
  } catch (error) {
    throw new PluginError(
      `A header is invalid: ${error instanceof Error ? error.message : String(error)}`,
      { code: 'INVALID_HEADER' },
    );
  }
}

/** Why fetch failed, in words: undici hides the system error (ECONNREFUSED, ENOTFOUND) in `cause`. */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') {
    return `${cause.code}${typeof cause.message === 'string' ? ` (${cause.message})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function fetchFollowing(
  spec: RequestSpec,
  guard: Guard,
  signal: AbortSignal,
): Promise<{ response: Response; url: URL }> {
  let url = buildUrl(spec);
  const firstOrigin = url.origin;
  const headers = buildHeaders(spec);
  let method: string = spec.method;
  let body = buildBody(spec, headers);
  for (let hop = 0; ; hop += 1) {
    const response = await guard.fetch(url, {
      method,
      headers,
      redirect: 'manual',
      signal,
      ...(body === undefined ? {} : { body }),
    });
    const location = response.headers.get('location');
    if (!spec.followRedirects || !REDIRECTS.has(response.status) || location === null) {
      return { response, url };
    }
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) {
      throw new PluginError(`Stopped after ${String(MAX_REDIRECTS)} redirects at ${url.href}`, {
        code: 'TOO_MANY_REDIRECTS',
        details: { url: url.href },
      });
    }
    url = parseHttpUrl(new URL(location, url).href);
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers.delete('content-type');
    }
    if (url.origin !== firstOrigin) {
      for (const name of [...ORIGIN_BOUND_HEADERS, ...Object.keys(spec.credentialHeaders ?? {})]) {
        headers.delete(name);
      }
    }
  }
}

async function readLimited(response: Response, limit: number, signal: AbortSignal) {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooLarge = (): PluginError =>
    new PluginError(
      `The response is larger than ${String(limit)} bytes; raise maxResponseBytes or save it as a file (responseType "file")`,
      { code: 'RESPONSE_TOO_LARGE', details: { limit } },
    );
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body !== null) {
    const body: AsyncIterable<Uint8Array> = response.body;
    for await (const chunk of body) {
      signal.throwIfAborted();
      size += chunk.byteLength;
      if (size > limit) {
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, size);
}

function isJsonType(contentType: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim());
}

/** A name for a downloaded file: from Content-Disposition, else the URL's last path segment. */
function fileNameFor(response: Response, url: URL): string {
  const disposition = response.headers.get('content-disposition') ?? '';
  const star = /filename\*\s*=\s*(?:UTF-8'[^']*')?([^;]+)/i.exec(disposition)?.[1];
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1];
  let name: string | undefined;
  try {
    name = star === undefined ? plain : decodeURIComponent(star.trim());
  } catch {
    name = plain;
  }
  name ??= decodeURIComponent(url.pathname.split('/').pop() ?? '');
  const safe = name.replace(/[/\\\0]/g, '_').trim();
  return safe === '' ? 'download' : safe;
}

function httpError(response: Response, url: URL, excerpt: string): PluginError {
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  return new PluginError(
    `${url.origin}${url.pathname} answered ${String(response.status)} ${response.statusText}`.trim(),
    {
      code: 'HTTP_ERROR',
      retryable,
      details: { status: response.status, url: url.href, body: excerpt.slice(0, 500) },
    },
  );
}

type Ctx = Pick<ExecutionContext<unknown, unknown>, 'signal' | 'files' | 'log'>;

export async function send(ctx: Ctx, spec: RequestSpec): Promise<ResponseResult> {
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const guard = createGuard(spec.destinations);
  try {
    const { response, url } = await fetchFollowing(spec, guard, signal);
    const headers: Record<string, string> = {};
    for (const [name, value] of response.headers) {
      // Repeated headers (several Set-Cookie) are joined, as HTTP allows for lists.
      headers[name] = name in headers ? `${headers[name] ?? ''}, ${value}` : value;
    }
    const result: ResponseResult = {
      status: response.status,
      statusText: response.statusText,
      ok: response.ok,
      url: url.href,
      headers,
      body: null,
    };
    if (spec.failOnHttpError && !response.ok) {
      const excerpt = await readLimited(response, 64 * 1024, signal).then(
        (bytes) => bytes.toString('utf8'),
        () => '',
      );
      throw httpError(response, url, excerpt);
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (spec.responseType === 'file') {
      if (response.body !== null && spec.method !== 'HEAD') {
        const created = await ctx.files.create(response.body, {
          name: fileNameFor(response, url),
          contentType: contentType === '' ? 'application/octet-stream' : contentType,
        });
        result.file = created.toJSON();
      }
      return result;
    }
    const bytes = await readLimited(response, spec.maxResponseBytes, signal);
    const text = new TextDecoder().decode(bytes);
    const wantJson =
      spec.responseType === 'json' || (spec.responseType === 'auto' && isJsonType(contentType));
    if (!wantJson) {
      result.body = bytes.byteLength === 0 && spec.responseType === 'auto' ? null : text;
      return result;
    }
    if (text.trim() === '') {
      return result;
    }
    try {
      result.body = JSON.parse(text) as unknown;
    } catch (error) {
      if (spec.responseType === 'json') {
        throw new PluginError(
          `The response is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
          { code: 'INVALID_JSON_RESPONSE', details: { status: response.status } },
        );
      }
      ctx.log.warn('the response says it is JSON but does not parse; returned as text', {
        contentType,
      });
      result.body = text;
    }
    return result;
  } catch (error) {
    if (timeout.aborted && !ctx.signal.aborted) {
      throw new PluginError(`No complete answer within ${String(spec.timeoutMs)} ms`, {
        code: 'TIMEOUT',
        retryable: true,
        details: { timeoutMs: spec.timeoutMs },
      });
    }
    if (ctx.signal.aborted || isPluginError(error) || !(error instanceof TypeError)) {
      throw error;
    }
    throw new PluginError(`The request to ${spec.url} failed: ${describeFailure(error)}`, {
      code: 'REQUEST_FAILED',
      retryable: true,
      cause: error,
    });
  } finally {
    await guard.close();
  }
}

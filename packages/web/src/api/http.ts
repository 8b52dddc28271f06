/**
 * @module The one way the UI talks to the platform: fetch with the user's bearer token, every
 * error envelope turned into an {@link ApiError} with a readable message, uploads with progress.
 */
import type { Issue } from './types.ts';

/** A failed API call: the platform's error envelope, or what went wrong before one arrived. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details?: Record<string, unknown> | undefined;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
  }

  /** Every validation problem the platform listed (`details.issues`), or none. */
  get issues(): Issue[] {
    const issues = this.details?.['issues'];
    return Array.isArray(issues) ? (issues as Issue[]) : [];
  }
}

export interface HttpOptions {
  readonly token: string;
  /** Called when the platform refuses the token (401), before the call's promise rejects. */
  readonly onUnauthorized: () => void;
}

interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly headers?: Record<string, string>;
}

export interface Http {
  json<T>(path: string, options?: RequestOptions): Promise<T>;
  text(path: string, options?: RequestOptions): Promise<string>;
  /** The raw response of a successful call, for streams and downloads. */
  raw(path: string, options?: RequestOptions): Promise<Response>;
  /** POSTs a file as the raw body, reporting progress (0–1) as it is sent. */
  upload<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Promise<T>;
}

export function createHttp({ token, onUnauthorized }: HttpOptions): Http {
  const raw = async (path: string, options: RequestOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      ...options.headers,
    };
    const init: RequestInit = { method: options.method ?? 'GET', headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    if (options.signal !== undefined) {
      init.signal = options.signal;
    }
    let response: Response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') {
        throw error;
      }
      throw new ApiError({
        status: 0,
        code: 'UI_NETWORK',
        message: 'the platform cannot be reached; is `plugboard start` still running?',
      });
    }
    if (!response.ok) {
      throw await toApiError(response, onUnauthorized);
    }
    return response;
  };

  return {
    raw,
    async json<T>(path: string, options?: RequestOptions): Promise<T> {
      const response = await raw(path, options);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async text(path: string, options?: RequestOptions): Promise<string> {
      return (await raw(path, options)).text();
    },
    upload<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Promise<T> {
      // fetch reports no upload progress; XMLHttpRequest does.
      return new Promise<T>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', path);
        xhr.setRequestHeader('authorization', `Bearer ${token}`);
        xhr.setRequestHeader('content-type', file.type === '' ? 'application/gzip' : file.type);
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable) {
            onProgress(event.loaded / event.total);
          }
        };
        xhr.onerror = () => {
          reject(
            new ApiError({ status: 0, code: 'UI_NETWORK', message: 'the upload was interrupted' }),
          );
        };
        xhr.onload = () => {
          const response = new Response(xhr.responseText, {
            status: xhr.status,
            headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' },
          });
          if (xhr.status >= 200 && xhr.status < 300) {
            onProgress(1);
            resolve(JSON.parse(xhr.responseText) as T);
          } else {
            void toApiError(response, onUnauthorized).then(reject);
          }
        };
        xhr.send(file);
      });
    },
  };
}

async function toApiError(response: Response, onUnauthorized: () => void): Promise<ApiError> {
  if (response.status === 401) {
    onUnauthorized();
  }
  const text = await response.text();
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    if (body.error?.message !== undefined) {
      return new ApiError({
        status: response.status,
        code: body.error.code ?? 'UNKNOWN',
        message: body.error.message,
        details: body.error.details,
      });
    }
  } catch {
    // Not an error envelope (a proxy's page): fall through with the status alone.
  }
  return new ApiError({
    status: response.status,
    code: `HTTP_${String(response.status)}`,
    message: `the platform answered ${String(response.status)} ${response.statusText}`.trim(),
  });
}

/** A readable message for anything a call may throw. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

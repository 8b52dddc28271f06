/**
 * @module A typed client of the platform's public API over any transport (the web UI's fetch
 * with its session, the CLI's fetch with retries). Requests are built from `API_ROUTES`; their
 * types come from `API_SCHEMAS`, imported as types only, so the client adds no schema code to a
 * browser bundle. Answers are not parsed again: the platform answers with those schemas.
 */
import type { z } from 'zod';
import { API_ROUTES, type ApiOperation } from './api-routes.ts';
import type { API_SCHEMAS } from './api-schemas.ts';

type Schemas = typeof API_SCHEMAS;
type Part<N extends ApiOperation, K extends 'params' | 'query' | 'body'> = Schemas[N] extends {
  readonly [P in K]: infer S extends z.ZodType;
}
  ? z.input<S>
  : undefined;

export type ApiParams<N extends ApiOperation> = Part<N, 'params'>;
export type ApiQuery<N extends ApiOperation> = Part<N, 'query'>;
export type ApiBody<N extends ApiOperation> = Part<N, 'body'>;

/** What a success of operation N carries. */
export type ApiAnswer<N extends ApiOperation> = Schemas[N] extends {
  readonly response: infer S extends z.ZodType;
}
  ? z.output<S>
  : (typeof API_ROUTES)[N]['answers'] extends 'text'
    ? string
    : undefined;

/** A request to operation N: its path parameters and body when it has them, a query if it takes one. */
export type ApiInput<N extends ApiOperation> = (ApiParams<N> extends undefined
  ? unknown
  : { readonly params: ApiParams<N> }) &
  (ApiBody<N> extends undefined ? unknown : { readonly body: ApiBody<N> }) &
  (ApiQuery<N> extends undefined ? unknown : { readonly query?: ApiQuery<N> }) & {
    readonly signal?: AbortSignal;
    readonly headers?: Readonly<Record<string, string>>;
  };

type InputArgs<N extends ApiOperation> =
  object extends ApiInput<N> ? [input?: ApiInput<N>] : [input: ApiInput<N>];

/** Operations whose answer is decoded (JSON, text or nothing); the others are opened as streams. */
export type ApiCallOperation = {
  [N in ApiOperation]: (typeof API_ROUTES)[N]['answers'] extends 'stream' ? never : N;
}[ApiOperation];

export interface ApiRequest {
  readonly operation: ApiOperation;
  readonly method: string;
  /** The path with its parameters filled in and its query appended. */
  readonly path: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send with an Idempotency-Key: a repeat after a lost answer creates nothing twice. */
  readonly idempotent: boolean;
}

/** Sends one request and answers the response of a success; throws its own error otherwise. */
export type ApiTransport = (request: ApiRequest) => Promise<Response>;

export interface ApiClient {
  /** Calls an operation and answers its decoded success. */
  readonly call: <N extends ApiCallOperation>(
    operation: N,
    ...input: InputArgs<N>
  ) => Promise<ApiAnswer<N>>;
  /** The successful response itself, for downloads and event streams. */
  readonly open: <N extends ApiOperation>(
    operation: N,
    ...input: InputArgs<N>
  ) => Promise<Response>;
  /** The path and query of a request to `operation`. */
  readonly pathOf: <N extends ApiOperation>(operation: N, ...input: InputArgs<N>) => string;
}

type Scalar = string | number | boolean | undefined;

interface LooseInput {
  readonly params?: Readonly<Record<string, Scalar>>;
  readonly query?: Readonly<Record<string, Scalar>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

export function createApiClient(transport: ApiTransport): ApiClient {
  const pathOf = (operation: ApiOperation, input: LooseInput = {}): string => {
    const route = API_ROUTES[operation];
    const path = route.path.replace(/:([A-Za-z]+)/g, (_match, param: string) => {
      const value = input.params?.[param];
      if (value === undefined) {
        throw new TypeError(`${operation}: path parameter "${param}" is missing`);
      }
      return encodeURIComponent(String(value));
    });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(input.query ?? {})) {
      if (value !== undefined) {
        query.set(key, String(value));
      }
    }
    const search = query.toString();
    return search === '' ? path : `${path}?${search}`;
  };

  const open = (operation: ApiOperation, input: LooseInput = {}): Promise<Response> => {
    const route: { method: string; idempotent?: true } = API_ROUTES[operation];
    return transport({
      operation,
      method: route.method,
      path: pathOf(operation, input),
      ...(input.body === undefined ? {} : { body: input.body }),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
      ...(input.headers === undefined ? {} : { headers: input.headers }),
      idempotent: route.idempotent === true,
    });
  };

  return {
    pathOf: (operation, ...[input]) => pathOf(operation, input),
    open: (operation, ...[input]) => open(operation, input),
    async call(operation, ...[input]) {
      const response = await open(operation, input);
      const { answers } = API_ROUTES[operation];
      if (answers === 'nothing') {
        await response.body?.cancel();
        return undefined as never;
      }
      const text = await response.text();
      return (answers === 'text' ? text : JSON.parse(text)) as never;
    },
  };
}

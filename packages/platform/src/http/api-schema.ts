/**
 * @module The Fastify schema of a route of the platform's public API, as its contract gives it:
 * the schemas of one operation of `@plugboard/platform-api` (summary, parameters, query, body and
 * the success answer at its status), with the error answers the route adds. Route files register
 * each at the operation's path, so no path or schema is written twice.
 */
import {
  API_ROUTES,
  API_SCHEMAS,
  type ApiOperation,
  type ApiOperationSchemas,
} from '@plugboard/platform-api';
import { errorEnvelopeSchema } from '@plugboard/protocol';
import type { z } from 'zod';

type Schemas = typeof API_SCHEMAS;
type Status<N extends ApiOperation> = (typeof API_ROUTES)[N]['status'];
type Pick_<N extends ApiOperation, K extends string, As extends string> = Schemas[N] extends {
  readonly [P in K]: infer S;
}
  ? { readonly [P in As]: S }
  : unknown;

/** The Fastify schema of operation N, with `errors` among its answers. */
export type ApiRouteSchema<
  N extends ApiOperation,
  E extends Readonly<Record<number, z.ZodType>>,
> = { readonly summary: string; readonly description?: string } & Pick_<N, 'params', 'params'> &
  Pick_<N, 'query', 'querystring'> &
  Pick_<N, 'body', 'body'> & {
    readonly response: (Schemas[N] extends { readonly response: infer R }
      ? { readonly [S in Status<N>]: R }
      : unknown) &
      E;
  };

/**
 * The schema of operation N for its route (registered at `API_ROUTES[N].path`); `more` adds what
 * only the route knows (its request headers, a description).
 */
export function apiSchema<
  N extends ApiOperation,
  E extends Readonly<Record<number, z.ZodType>>,
  M extends object = object,
>(operation: N, errors: E, more?: M): ApiRouteSchema<N, E> & M {
  const { status } = API_ROUTES[operation];
  const schemas: ApiOperationSchemas = API_SCHEMAS[operation];
  const schema = {
    ...more,
    summary: schemas.summary,
    ...(schemas.params === undefined ? {} : { params: schemas.params }),
    ...(schemas.query === undefined ? {} : { querystring: schemas.query }),
    ...(schemas.body === undefined ? {} : { body: schemas.body }),
  };
  const response = {
    ...(schemas.response === undefined ? {} : { [status]: schemas.response }),
    ...errors,
  };
  // A stream or text answer with no error listed has no response schema at all.
  if (Object.keys(response).length > 0) {
    Object.assign(schema, { response });
  }
  return schema as ApiRouteSchema<N, E> & M;
}

/** The error envelope as the answer at each of `statuses`, for a route's schema. */
export function errorAnswers<S extends number>(
  ...statuses: S[]
): { readonly [K in S]: typeof errorEnvelopeSchema } {
  return Object.fromEntries(statuses.map((status) => [status, errorEnvelopeSchema])) as {
    readonly [K in S]: typeof errorEnvelopeSchema;
  };
}

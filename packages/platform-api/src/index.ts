/**
 * @module The platform's HTTP API as a contract: each operation's route and the zod schemas its
 * routes validate and answer with (its OpenAPI document is generated from them), and the client
 * whose types come from them.
 */
export * from './credentials.ts';
export * from './files.ts';
export * from './marketplace.ts';
export * from './plugin-record.ts';
export * from './plugin-versions.ts';
export * from './runs.ts';
export * from './workflows.ts';
export * from './api-routes.ts';
export * from './api-schemas.ts';
export * from './api-client.ts';

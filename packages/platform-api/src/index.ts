/**
 * @module The platform's HTTP API as a contract: the zod schemas its routes validate and answer
 * with (its OpenAPI document is generated from them), and the types its clients take from them.
 */
export * from './credentials.ts';
export * from './files.ts';
export * from './marketplace.ts';
export * from './plugin-record.ts';
export * from './runs.ts';
export * from './workflows.ts';

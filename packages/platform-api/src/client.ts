/**
 * @module The client side of the contract alone (routes and the typed client, no schemas), for
 * bundles that must not carry zod: the web UI.
 */
export * from './api-routes.ts';
export * from './api-client.ts';

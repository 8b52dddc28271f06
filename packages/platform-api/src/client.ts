/**
 * @module The client side of the contract alone (routes, the typed client and how a node names its
 * type; no schemas), for bundles that must not carry zod: the web UI.
 */
export * from './api-routes.ts';
export * from './api-client.ts';
export * from './node-ref.ts';

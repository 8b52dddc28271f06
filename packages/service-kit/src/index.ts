/**
 * @module What both HTTP services are built on: the app with its error path and OpenAPI
 * document, and bearer-key checks.
 */
export { createBearerCheck } from './bearer-check.ts';
export {
  createServiceApp,
  validationFailure,
  type ServiceApp,
  type ServiceAppOptions,
  type ServiceFailures,
} from './service-app.ts';

/**
 * @module What both HTTP services are built on: the app with its error path and OpenAPI
 * document, bearer-key checks, and the pid lock that keeps a folder to one process.
 */
export { createBearerCheck } from './bearer-check.ts';
export { takePidLock, type PidLockOutcome } from './pid-lock.ts';
export {
  createServiceApp,
  validationFailure,
  writeFailure,
  type ServiceApp,
  type ServiceAppOptions,
  type ServiceFailures,
} from './service-app.ts';

/**
 * @module The signed-in platform API, for every page below the login.
 */
import { createContext, useContext } from 'react';
import type { PlatformApi } from '../api/platform-api.ts';

export const ApiContext = createContext<PlatformApi | undefined>(undefined);

export function useApi(): PlatformApi {
  const api = useContext(ApiContext);
  if (api === undefined) {
    throw new TypeError('useApi() outside the signed-in app');
  }
  return api;
}

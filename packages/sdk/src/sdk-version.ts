/**
 * @module The SDK's own version, written into every manifest.
 */
import packageJson from '../package.json' with { type: 'json' };

export const SDK_VERSION: string = packageJson.version;

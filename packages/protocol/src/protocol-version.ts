/**
 * @module The protocol version spoken between the Plugin Server and plugin processes.
 *
 * Bumped only for changes an older peer cannot understand; additive changes keep the number.
 */

export const PROTOCOL_VERSION = 1;

/**
 * Versions a Plugin Server built from this package accepts in a handshake or manifest. Version 2
 * changes only the handshake (a Unix socket instead of a TCP port); the routes are those of 1.
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2];

/** Version of the manifest document itself, so consumers can refuse one they do not know. */
export const MANIFEST_VERSION = 1;

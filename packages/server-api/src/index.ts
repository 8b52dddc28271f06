/**
 * @module @plugboard/server-api — what the platform and a Plugin Server exchange, in both
 * directions: one schema per message, used by the sender, the receiver and the generated docs.
 */
export * from './plugin-source.ts';
export * from './status-event.ts';
export * from './desired-state.ts';
export * from './webhook-signature.ts';
export * from './plugin-view.ts';
export * from './marketplace-index.ts';
export * from './plugin-grant.ts';
export * from './git-url-rules.ts';
export * from './disk-full.ts';
export * from './unread-body.ts';
export * from './file-sink.ts';
export * from './versions.ts';
export * from './plugin-versions.ts';

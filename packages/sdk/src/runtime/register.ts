/**
 * @module Imported with `node --import` so a process resolves `@plugboard/sdk` to this copy;
 * `plugboard plugin test` uses it to run a plugin's tests without installing the SDK.
 */
import { resolveSdkToThisCopy } from './sdk-resolution.ts';

resolveSdkToThisCopy();

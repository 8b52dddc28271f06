// The secret box: values sealed under PLUGBOARD_SECRET_KEY name its key id, open under it or a
// previous key, are re-sealed under the current key only when they are not already, stay bound
// to their purpose, and a value no known key opens is refused with PLAT_SECRET_UNREADABLE and the
// fix; values sealed before key ids (`v1`) still open.
import { describe, expect, it } from 'vitest';
import { PlatformError } from '../src/errors.ts';
import { createSecretBox, secretKeyId } from '../src/secrets/secret-box.ts';
import { sealV1 } from './helpers/legacy-seal.ts';

const KEY_A = 'secret-key-A-0123456789abcdef-0123456789';
const KEY_B = 'secret-key-B-0123456789abcdef-0123456789';
const KEY_C = 'secret-key-C-0123456789abcdef-0123456789';
const VALUE = { apiKey: 'sk-live-plaintext-42', nested: [1, 'two', null] };

function refusal(open: () => unknown): PlatformError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }
  throw new Error('expected PLAT_SECRET_UNREADABLE');
}

describe('secret box', () => {
  it('seals as v2 with the key id of PLUGBOARD_SECRET_KEY, a fresh nonce each time', () => {
    const box = createSecretBox(KEY_A);
    const sealed = box.seal(VALUE, 'credential:cred_1');
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v2');
    expect(parts[1]).toBe(secretKeyId(KEY_A));
    expect(box.keyId).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(box.keyIdOf(sealed)).toBe(box.keyId);
    expect(sealed.startsWith(box.currentPrefix)).toBe(true);
    expect(sealed).not.toContain('sk-live');
    expect(box.seal(VALUE, 'credential:cred_1')).not.toBe(sealed);
    expect(box.open(sealed, 'credential:cred_1')).toEqual(VALUE);
  });

  it('gives each key its own id, the same for the same key', () => {
    expect(secretKeyId(KEY_A)).toBe(createSecretBox(KEY_A).keyId);
    expect(new Set([KEY_A, KEY_B, KEY_C].map(secretKeyId)).size).toBe(3);
  });

  it('opens values under a previous key, and seals only under the current one', () => {
    const old = createSecretBox(KEY_A).seal(VALUE, 'plugin-config:acme');
    const box = createSecretBox(KEY_B, [KEY_C, KEY_A]);
    expect(box.previousKeyIds).toEqual([secretKeyId(KEY_C), secretKeyId(KEY_A)]);
    expect(box.keyIdOf(old)).toBe(secretKeyId(KEY_A));
    expect(box.open(old, 'plugin-config:acme')).toEqual(VALUE);
    expect(box.keyIdOf(box.seal(VALUE, 'plugin-config:acme'))).toBe(secretKeyId(KEY_B));
  });

  it('counts a previous key listed twice, or equal to the current one, once', () => {
    const box = createSecretBox(KEY_B, [KEY_A, KEY_B, KEY_A]);
    expect(box.keyId).toBe(secretKeyId(KEY_B));
    expect(box.previousKeyIds).toEqual([secretKeyId(KEY_A)]);
  });

  it('opens v1 values under the current or a previous key', () => {
    const box = createSecretBox(KEY_B, [KEY_A]);
    expect(box.open(sealV1(KEY_A, VALUE, 'git-token:acme'), 'git-token:acme')).toEqual(VALUE);
    expect(box.open(sealV1(KEY_B, 'ghp_token', 'git-token:acme'), 'git-token:acme')).toBe(
      'ghp_token',
    );
    expect(box.keyIdOf(sealV1(KEY_A, VALUE, 'git-token:acme'))).toBeUndefined();
  });

  it('re-seals a value under the current key, and leaves one already there', () => {
    const box = createSecretBox(KEY_B, [KEY_A]);
    for (const old of [
      createSecretBox(KEY_A).seal(VALUE, 'credential:cred_2'),
      sealV1(KEY_A, VALUE, 'credential:cred_2'),
      sealV1(KEY_B, VALUE, 'credential:cred_2'),
    ]) {
      const resealed = box.reseal(old, 'credential:cred_2');
      expect(resealed?.startsWith(box.currentPrefix)).toBe(true);
      expect(createSecretBox(KEY_B).open(resealed ?? '', 'credential:cred_2')).toEqual(VALUE);
      expect(box.reseal(resealed ?? '', 'credential:cred_2')).toBeUndefined();
    }
  });

  it('refuses a value under an unknown key, naming the key id and the fix', () => {
    const box = createSecretBox(KEY_B, [KEY_A]);
    const foreign = createSecretBox(KEY_C).seal(VALUE, 'credential:cred_3');
    const error = refusal(() => box.open(foreign, 'credential:cred_3'));
    expect(error.code).toBe('PLAT_SECRET_UNREADABLE');
    expect(error.kind).toBe('operational');
    expect(error.status).toBe(500);
    expect(error.message).toContain('credential:cred_3');
    expect(error.message).toContain(secretKeyId(KEY_C));
    expect(error.message).toContain('PLUGBOARD_SECRET_KEY_PREVIOUS');
    expect(error.details).toEqual({
      purpose: 'credential:cred_3',
      keyId: secretKeyId(KEY_C),
      problem: 'unknown-key',
    });
    expect(error.message).not.toContain(KEY_A);
    expect(refusal(() => box.reseal(foreign, 'credential:cred_3')).code).toBe(
      'PLAT_SECRET_UNREADABLE',
    );
    // Once its key is known again, it opens.
    expect(createSecretBox(KEY_B, [KEY_C]).open(foreign, 'credential:cred_3')).toEqual(VALUE);
  });

  it('refuses a v1 value no known key opens', () => {
    const box = createSecretBox(KEY_B, [KEY_A]);
    const error = refusal(() => box.open(sealV1(KEY_C, VALUE, 'git-token:x'), 'git-token:x'));
    expect(error.code).toBe('PLAT_SECRET_UNREADABLE');
    expect(error.message).toContain('before key ids');
  });

  it('binds a value to its purpose, and refuses an altered or unknown-format value', () => {
    const box = createSecretBox(KEY_A);
    const sealed = box.seal(VALUE, 'credential:cred_4');
    expect(refusal(() => box.open(sealed, 'credential:cred_5')).message).toContain(
      'altered or copied from another record',
    );
    const parts = sealed.split('.');
    const body = Buffer.from(parts[4] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    const altered = [...parts.slice(0, 4), body.toString('base64url')].join('.');
    expect(refusal(() => box.open(altered, 'credential:cred_4')).code).toBe(
      'PLAT_SECRET_UNREADABLE',
    );
    const shortTag = [...parts.slice(0, 3), (parts[3] ?? '').slice(0, 6), parts[4]].join('.');
    expect(refusal(() => box.open(shortTag, 'credential:cred_4')).code).toBe(
      'PLAT_SECRET_UNREADABLE',
    );
    expect(refusal(() => box.open('plain text', 'credential:cred_4')).message).toContain(
      'not in a known format',
    );
  });
});

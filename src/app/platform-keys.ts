/**
 * Keys derived from the one platform secret (MYKEY_SECRET): the key of the credential hashes and the key that
 * seals provider secrets at rest. Deriving them (HKDF) keeps each key to one purpose.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface PlatformKeys {
  credentialHashKey: Buffer;
  sealKey: Buffer;
  /** Keys the CSRF tokens of browser sessions. */
  csrfKey: Buffer;
}

const sealVersion = 'v1';

function derive(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `mykey:${purpose}`, 32));
}

export function derivePlatformKeys(secret: Buffer): PlatformKeys {
  return { credentialHashKey: derive(secret, 'credential-hash'), sealKey: derive(secret, 'seal'), csrfKey: derive(secret, 'csrf') };
}

/**
 * The keyed hash that identifies a certificate (issuer + serial) without storing either: nobody without the
 * platform secret can recompute it from a certificate.
 */
export function credentialHash(keys: PlatformKeys, input: { issuerNameDer: Uint8Array; serialHex: string }): string {
  return createHmac('sha256', keys.credentialHashKey)
    .update(input.issuerNameDer)
    .update(Buffer.from([0]))
    .update(input.serialHex.toLowerCase())
    .digest('hex');
}

/** AES-256-GCM with a random nonce; the output names its version so the scheme can change later. */
export function seal(keys: PlatformKeys, plaintext: Buffer): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.sealKey, nonce);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [sealVersion, nonce.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function unseal(keys: PlatformKeys, sealed: string): Buffer {
  const [version, nonce, body, tag] = sealed.split('.');
  if (version !== sealVersion || nonce === undefined || body === undefined || tag === undefined) throw new Error('unknown sealed format');
  const decipher = createDecipheriv('aes-256-gcm', keys.sealKey, Buffer.from(nonce, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
}

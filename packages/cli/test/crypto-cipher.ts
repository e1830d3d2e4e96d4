// A Node model of what @capgo/capacitor-updater 8.x does with an encrypted bundle, to check the CLI's
// output the way a device would. It follows the plugin's Android code (package ee.forgr.capacitor_updater):
//   CryptoCipher.calcKeyId        → keyIdOf
//   CryptoCipher.stringToPublicKey (PKCS#1 "BEGIN RSA PUBLIC KEY" PEM) + decryptRSA ("RSA/ECB/PKCS1Padding",
//                                    DECRYPT_MODE with the PUBLIC key) → rsaDecryptWithPublicKey
//   CryptoCipher.decryptFile      (session_key "ivB64:keyB64", IV 16 bytes, AES key 16 bytes) and
//   CryptoCipher.decryptAesFile   ("AES/CBC/PKCS5Padding") → decryptBundle
//   CryptoCipher.decryptChecksum  (hex → 256 bytes → decryptRSA → 32 bytes → lowercase hex) → decryptChecksum
//   CryptoCipher.calcChecksum     (SHA-256, lowercase hex) → calcChecksum
//   CapgoUpdater.download…        (decryptFile, then decryptChecksum, then compare with calcChecksum of the
//                                  decrypted file, "Checksum failed" otherwise) → verifyLikeThePlugin
import crypto from 'node:crypto'

export function keyIdOf(publicKeyPem: string): string {
  const cleaned = publicKeyPem.replace(/\s+/g, '').replace('-----BEGINRSAPUBLICKEY-----', '').replace('-----ENDRSAPUBLICKEY-----', '')
  return cleaned.length >= 20 ? cleaned.slice(0, 20) : cleaned
}

function publicKeyOf(publicKeyPem: string): crypto.KeyObject {
  if (!publicKeyPem.startsWith('-----BEGIN RSA PUBLIC KEY-----')) throw new Error('The public key is not a valid RSA Public key')
  return crypto.createPublicKey({ key: publicKeyPem, format: 'pem', type: 'pkcs1' })
}

export function rsaDecryptWithPublicKey(data: Buffer, publicKeyPem: string): Buffer {
  return crypto.publicDecrypt({ key: publicKeyOf(publicKeyPem), padding: crypto.constants.RSA_PKCS1_PADDING }, data)
}

export function isValidSessionKey(sessionKey: string | null | undefined): boolean {
  if (!sessionKey) return false
  const parts = sessionKey.split(':')
  return parts.length === 2 && parts[0] !== '' && parts[1] !== ''
}

export function decryptBundle(encrypted: Buffer, publicKeyPem: string, sessionKey: string): Buffer {
  if (!isValidSessionKey(sessionKey)) throw new Error('not a session key')
  const [ivB64, keyB64] = sessionKey.split(':') as [string, string]
  const iv = Buffer.from(ivB64, 'base64')
  if (iv.length !== 16) throw new Error('AES file decryption failed: IV must be 16 bytes')
  const aesKey = rsaDecryptWithPublicKey(Buffer.from(keyB64, 'base64'), publicKeyPem)
  if (aesKey.length !== 16) throw new Error('AES file decryption failed: decrypted session key must be 16 bytes')
  if (encrypted.length === 0) throw new Error('Empty encrypted data')
  const decipher = crypto.createDecipheriv('aes-128-cbc', aesKey, iv)
  return Buffer.concat([decipher.update(encrypted), decipher.final()])
}

export function decryptChecksum(checksum: string, publicKeyPem: string): string {
  const bytes = /^[0-9a-fA-F]+$/.test(checksum) ? Buffer.from(checksum, 'hex') : Buffer.from(checksum, 'base64')
  if (bytes.length !== 256)
    throw new Error('Bundle checksum is not encrypted. Upload bundle with --key flag when encryption is configured.')
  return rsaDecryptWithPublicKey(bytes, publicKeyPem).toString('hex')
}

export const calcChecksum = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex')

/** What the device does after downloading: decrypt, then compare checksums. Returns the plain zip. */
export function verifyLikeThePlugin(downloaded: Buffer, answer: { checksum: string; session_key: string }, publicKeyPem: string): Buffer {
  const plain = decryptBundle(downloaded, publicKeyPem, answer.session_key)
  const expected = decryptChecksum(answer.checksum, publicKeyPem)
  if (expected !== calcChecksum(plain)) throw new Error('Checksum failed')
  return plain
}

// End-to-end encryption as @capgo/capacitor-updater 8.x undoes it (android CryptoCipher.java, ios
// CryptoCipher.swift; CapgoUpdater.java downloads): the zip is AES-128-CBC (PKCS#5 padding) under a
// random 16-byte key and IV; the device gets `session_key` = base64(IV) ":" base64(the AES key
// RSA-encrypted with the PRIVATE key, PKCS#1 v1.5), which it opens with the public key of its
// capacitor.config (CryptoCipher.decryptRSA: "RSA/ECB/PKCS1Padding" in DECRYPT_MODE with a public
// key). The checksum it verifies is the SHA-256 of the decrypted zip, RSA-encrypted the same way and
// sent as hex (CryptoCipher.decryptChecksum: hex → 256 bytes → decryptRSA → 32 bytes → hex).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { CliError } from './errors.ts'

export const PRIVATE_KEY_FILE = '.capgo_key_v2'
export const PUBLIC_KEY_FILE = '.capgo_key_v2.pub'

/** An RSA-2048 pair in PKCS#1 PEM, the form the plugin's stringToPublicKey reads ("BEGIN RSA PUBLIC KEY"). */
export function generateKeyPair(): { privateKey: string; publicKey: string } {
  return crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  })
}

/** The plugin's key id (CryptoCipher.calcKeyId): the first 20 characters of the PEM's base64 body. */
export function keyId(publicKeyPem: string): string {
  return publicKeyPem.replace(/\s+/g, '').replace('-----BEGINRSAPUBLICKEY-----', '').replace('-----ENDRSAPUBLICKEY-----', '').slice(0, 20)
}

export function readPrivateKey(file: string): { key: crypto.KeyObject; publicKey: string } {
  let pem: string
  try {
    pem = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new CliError('key_not_found', `cannot read the private key ${file}: ${(e as Error).message}`)
  }
  let key: crypto.KeyObject
  try {
    key = crypto.createPrivateKey(pem)
  } catch {
    throw new CliError('invalid_key', `${file} is not a PEM private key: give the ${PRIVATE_KEY_FILE} that capgo-api key create wrote.`)
  }
  if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== 2048)
    throw new CliError('invalid_key', `${file} is not an RSA-2048 private key (the plugin expects RSA-2048).`)
  const publicKey = crypto.createPublicKey(key).export({ type: 'pkcs1', format: 'pem' }).toString()
  return { key, publicKey }
}

/** "RSA-encrypt with the private key" (PKCS#1 v1.5 type 1): what the plugin's decryptRSA undoes with the public key. */
const rsaPrivateEncrypt = (key: crypto.KeyObject, data: Buffer) =>
  crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, data)

export interface Encrypted {
  session_key: string
  /** hex of the RSA-encrypted SHA-256 of the plain zip (what the device verifies after decrypting) */
  checksum: string
  key_id: string
}

/** Encrypts `zipFile` into `outFile`; `plainSha256` is the SHA-256 of the plain zip. */
export async function encryptBundle(zipFile: string, outFile: string, plainSha256: Buffer, privateKeyFile: string): Promise<Encrypted> {
  const { key, publicKey } = readPrivateKey(privateKeyFile)
  const aesKey = crypto.randomBytes(16)
  const iv = crypto.randomBytes(16)
  await pipeline(fs.createReadStream(zipFile), crypto.createCipheriv('aes-128-cbc', aesKey, iv), fs.createWriteStream(outFile))
  return {
    session_key: `${iv.toString('base64')}:${rsaPrivateEncrypt(key, aesKey).toString('base64')}`,
    checksum: rsaPrivateEncrypt(key, plainSha256).toString('hex'),
    key_id: keyId(publicKey),
  }
}

export function writeKeyPair(dir: string, force: boolean): { privateFile: string; publicFile: string; publicKey: string } {
  const privateFile = path.join(dir, PRIVATE_KEY_FILE)
  const publicFile = path.join(dir, PUBLIC_KEY_FILE)
  if (!force)
    for (const f of [privateFile, publicFile])
      if (fs.existsSync(f))
        throw new CliError(
          'key_exists',
          `${f} exists: devices in the field use its public key. Pass --force to replace it (they will then reject new bundles).`,
        )
  const { privateKey, publicKey } = generateKeyPair()
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(privateFile, privateKey, { mode: 0o600 })
  fs.chmodSync(privateFile, 0o600)
  fs.writeFileSync(publicFile, publicKey, { mode: 0o644 })
  return { privateFile, publicFile, publicKey }
}

/** What goes in capacitor.config (plugins.CapacitorUpdater.publicKey). */
export function capacitorConfigSnippet(publicKey: string): string {
  return `// capacitor.config.ts (or the "plugins" object of capacitor.config.json)
plugins: {
  CapacitorUpdater: {
    publicKey: ${JSON.stringify(publicKey.trim())},
  },
},`
}

import { randomBytes } from 'node:crypto'
import { hashKey } from '../../access.ts'

/** A fresh random key: the plaintext (shown once), its stored hash and a masked hint. */
export function newApiKey(plain = `cap_${randomBytes(24).toString('base64url')}`) {
  return { plain, key_hash: hashKey(plain), key_hint: maskKey(plain) }
}

/** What lists show instead of a key: its first and last characters. */
export const maskKey = (plain: string) => (plain.length > 12 ? `${plain.slice(0, 6)}…${plain.slice(-4)}` : '…')

// The HMAC key of the URLs this server hands out (uploads, downloads): SIGNING_SECRET when set,
// else a random key made on first start and kept in the database (ServerSecret), so that every
// server of a cluster, and a restarted one, accepts the URLs the others signed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Db } from '@capgo-api/db'

const SECRET_NAME = 'url_signing_key'

export class UrlSigner {
  private key: Buffer | undefined
  private loading: Promise<Buffer> | undefined

  constructor(
    private readonly db: Db,
    secret?: string,
  ) {
    if (secret) this.key = Buffer.from(secret, 'utf8')
  }

  /** The key, read (or made) once. */
  private async keyOf(): Promise<Buffer> {
    if (this.key) return this.key
    this.loading ??= (async () => {
      const value = randomBytes(32).toString('base64url')
      // whoever inserts first wins; the others read the winner's key
      await this.db
        .$executeRaw`INSERT INTO "ServerSecret" ("name", "value") VALUES (${SECRET_NAME}, ${value}) ON CONFLICT ("name") DO NOTHING`
      const row = await this.db.serverSecret.findUniqueOrThrow({ where: { name: SECRET_NAME }, select: { value: true } })
      this.key = Buffer.from(row.value, 'utf8')
      return this.key
    })().finally(() => {
      this.loading = undefined
    })
    return this.loading
  }

  /** The signature (base64url HMAC-SHA256) of the parts, in order. */
  async sign(...parts: (string | number)[]): Promise<string> {
    return hmac(await this.keyOf(), parts)
  }

  /** Signs without waiting when the key is loaded (the /updates hot path); undefined before. */
  signNow(...parts: (string | number)[]): string | undefined {
    return this.key ? hmac(this.key, parts) : undefined
  }

  /** Whether `signature` is the parts' signature (constant time). */
  async verify(signature: string, ...parts: (string | number)[]): Promise<boolean> {
    const expected = Buffer.from(hmac(await this.keyOf(), parts))
    const given = Buffer.from(signature)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
}

// parts joined by a byte no part holds (ids, device ids, numbers)
const hmac = (key: Buffer, parts: (string | number)[]) => createHmac('sha256', key).update(parts.join('\n')).digest('base64url')

// First start on an empty database: an admin, "Default organization" and a key of mode `all`.
import type { Db } from '@capgo-api/db'
import { newApiKey } from './domains/apikey/keys.ts'

export interface BootstrapResult {
  userId: string
  orgId: string
  /** the plaintext key when it was generated here (to print once), undefined when given */
  generatedKey?: string
}

export async function bootstrap(db: Db, opts: { apiKey?: string; email?: string } = {}): Promise<BootstrapResult | null> {
  if (await db.user.findFirst({ select: { id: true } })) return null
  const key = newApiKey(opts.apiKey || undefined)
  return db.$transaction(async (tx) => {
    // a second server starting at the same moment may have won: do nothing then
    if (await tx.user.findFirst({ select: { id: true } })) return null
    const email = opts.email ?? 'admin@localhost'
    const user = await tx.user.create({ data: { email, name: 'Admin' } })
    const org = await tx.organization.create({
      data: {
        name: 'Default organization',
        management_email: email,
        created_by: user.id,
        members: { create: { user_id: user.id, role: 'super_admin' } },
      },
    })
    await tx.apiKey.create({ data: { key_hash: key.key_hash, key_hint: key.key_hint, mode: 'all', name: 'bootstrap', user_id: user.id } })
    return { userId: user.id, orgId: org.id, generatedKey: opts.apiKey ? undefined : key.plain }
  })
}

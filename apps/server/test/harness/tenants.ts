// Tenants: an organization with an owner, keys of every mode, members of any role and apps.
import { randomBytes } from 'node:crypto'
import { hashKey, type KeyMode, type Role } from '@capgo-api/api'
import type { DbHandle } from '@capgo-api/db'
import { getApp, uid } from './app.ts'

export interface Member {
  userId: string
  email: string
  role: Role | `invite_${Role}`
  /** a key of mode `all` owned by this member */
  key: string
}

export interface Tenant {
  orgId: string
  appId: string
  owner: Member
  /** keys of the owner (super_admin), one per mode */
  keys: Record<KeyMode, string>
  /** creates another member of the org with `role`, holding a key of mode `all` */
  member(role: Member['role']): Promise<Member>
  /** another key of the owner, with options */
  key(opts?: { mode?: KeyMode; limitedToOrgs?: string[]; limitedToApps?: string[]; expiresAt?: Date }): Promise<string>
  /** creates another app of this org */
  addApp(): Promise<string>
}

async function insertKey(
  database: DbHandle,
  userId: string,
  opts: { mode?: KeyMode; limitedToOrgs?: string[]; limitedToApps?: string[]; expiresAt?: Date } = {},
) {
  const plain = `test_${randomBytes(18).toString('hex')}`
  await database.db.apiKey.create({
    data: {
      key_hash: hashKey(plain),
      key_hint: 'test…',
      mode: opts.mode ?? 'all',
      name: 'test',
      user_id: userId,
      limited_to_orgs: JSON.stringify(opts.limitedToOrgs ?? []),
      limited_to_apps: JSON.stringify(opts.limitedToApps ?? []),
      expires_at: opts.expiresAt ?? null,
    },
  })
  return plain
}

async function insertUser(database: DbHandle) {
  const id = uid()
  return database.db.user.create({ data: { email: `user-${id}@test.local`, name: `User ${id}` } })
}

/** A new organization with an owner (super_admin), keys of each mode and one app (on `database`, default the run's). */
export async function createTenant(opts: { database?: DbHandle } = {}): Promise<Tenant> {
  const database = opts.database ?? (await getApp()).database
  const db = database.db
  const suffix = uid()
  const user = await insertUser(database)
  const org = await db.organization.create({
    data: {
      name: `Org ${suffix}`,
      management_email: user.email,
      created_by: user.id,
      members: { create: { user_id: user.id, role: 'super_admin' } },
    },
  })
  const appId = `com.t${suffix}.app`
  await db.app.create({ data: { app_id: appId, name: `App ${suffix}`, owner_org: org.id } })
  const keys = {} as Record<KeyMode, string>
  for (const mode of ['read', 'upload', 'write', 'all'] as const) keys[mode] = await insertKey(database, user.id, { mode })
  const owner: Member = { userId: user.id, email: user.email, role: 'super_admin', key: keys.all }
  return {
    orgId: org.id,
    appId,
    owner,
    keys,
    async member(role) {
      const u = await insertUser(database)
      await db.orgMember.create({ data: { org_id: org.id, user_id: u.id, role } })
      return { userId: u.id, email: u.email, role, key: await insertKey(database, u.id) }
    },
    key: (opts) => insertKey(database, user.id, opts),
    async addApp() {
      const id = `com.t${uid()}.app`
      await db.app.create({ data: { app_id: id, name: `App ${id}`, owner_org: org.id } })
      return id
    },
  }
}

/** The database id of a key (to address it at /apikey/{id}). */
export async function keyId(plain: string, database?: DbHandle): Promise<number> {
  const db = (database ?? (await getApp()).database).db
  const row = await db.apiKey.findUnique({ where: { key_hash: hashKey(plain) }, select: { id: true } })
  if (!row) throw new Error('no such key')
  return row.id
}

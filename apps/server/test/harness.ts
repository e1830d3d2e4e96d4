// Shared test harness: one app per test file on the run's database, and tenants with keys of
// every mode and members of every role, so tests (and the security suite) need no set-up code.
import { randomBytes } from 'node:crypto'
import { appRouter, createCallerFactory, createContextInner, describeError, hashKey, type KeyMode, type Role } from '@capgo-api/api'
import { createDb, type DbHandle } from '@capgo-api/db'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll } from 'vitest'
import { buildApp } from '../src/app.ts'

let shared: Promise<{ app: FastifyInstance; database: DbHandle }> | undefined

/** The app of this test file (built once, closed after the file). */
export function getApp() {
  shared ??= (async () => {
    const database = await createDb(process.env.DATABASE_URL)
    const app = await buildApp({ database })
    await app.ready()
    afterAll(async () => {
      await app.close()
      await database.db.$disconnect()
    })
    return { app, database }
  })()
  return shared
}

export const uid = () => randomBytes(5).toString('hex')

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

async function insertKey(database: DbHandle, userId: string, opts: { mode?: KeyMode; limitedToOrgs?: string[]; limitedToApps?: string[]; expiresAt?: Date } = {}) {
  const plain = `test_${randomBytes(18).toString('hex')}`
  await database.db.apiKey.create({
    data: {
      key_hash: hashKey(plain), key_hint: 'test…', mode: opts.mode ?? 'all', name: 'test', user_id: userId,
      limited_to_orgs: JSON.stringify(opts.limitedToOrgs ?? []), limited_to_apps: JSON.stringify(opts.limitedToApps ?? []),
      expires_at: opts.expiresAt ?? null,
    },
  })
  return plain
}

async function insertUser(database: DbHandle) {
  const id = uid()
  return database.db.user.create({ data: { email: `user-${id}@test.local`, name: `User ${id}` } })
}

/** A new organization with an owner (super_admin), keys of each mode and one app. */
export async function createTenant(): Promise<Tenant> {
  const { database } = await getApp()
  const db = database.db
  const suffix = uid()
  const user = await insertUser(database)
  const org = await db.organization.create({
    data: { name: `Org ${suffix}`, management_email: user.email, created_by: user.id, members: { create: { user_id: user.id, role: 'super_admin' } } },
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

export interface RestResponse<T = any> {
  status: number
  body: T
  headers: Record<string, unknown>
}

/** REST call through app.inject: `rest('GET', '/channel', { key, query })`. */
export async function rest<T = any>(
  method: InjectOptions['method'],
  url: string,
  opts: { key?: string; query?: Record<string, string | number | boolean | undefined>; body?: unknown; headers?: Record<string, string | undefined> } = {},
): Promise<RestResponse<T>> {
  const { app } = await getApp()
  const res = await app.inject({
    method,
    url,
    query: opts.query ? Object.fromEntries(Object.entries(opts.query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])) : undefined,
    headers: { ...(opts.key ? { authorization: opts.key } : {}), ...(Object.fromEntries(Object.entries(opts.headers ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>) },
    ...(opts.body !== undefined ? { payload: opts.body as InjectOptions['payload'] } : {}),
  })
  let body: any = res.body
  try {
    body = JSON.parse(res.body)
  } catch {}
  return { status: res.statusCode, body, headers: res.headers }
}

const createCaller = createCallerFactory(appRouter)

/** A tRPC caller acting with `key`. */
export async function trpc(key?: string) {
  const { database } = await getApp()
  return createCaller(createContextInner({ db: database.db, provider: database.provider, apiKey: key }))
}

/** Runs `fn` and returns the tRPC error it throws, or fails. */
export async function trpcError(fn: () => Promise<unknown>) {
  try {
    await fn()
  } catch (e: any) {
    const d = describeError(e)
    return { code: e.code as string, error: d.error, status: d.status, message: d.message }
  }
  throw new Error('expected the call to throw')
}

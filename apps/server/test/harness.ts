// Shared test harness: one app per test file on the run's database, and tenants with keys of
// every mode and members of every role, so tests (and the security suite) need no set-up code.
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  appRouter,
  createCallerFactory,
  createContextInner,
  createServices,
  describeError,
  hashKey,
  type KeyMode,
  type Role,
  type Services,
  type ServicesConfig,
} from '@capgo-api/api'
import { createDb, type DbHandle } from '@capgo-api/db'
import { applyMigrations } from '@capgo-api/db/migrate'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, onTestFinished } from 'vitest'
import { type AppOptions, buildApp } from '../src/app.ts'

let shared: Promise<{ app: FastifyInstance; database: DbHandle; services: Services }> | undefined

// The access cache is off so tests may change keys and roles through Prisma directly;
// access-cache.test.ts turns it on (useServicesConfig) and tests it.
let servicesConfig: ServicesConfig = { accessCacheTtlMs: 0 }
const servicesByDatabase = new Map<DbHandle, Services>()

/** Cache settings of this file's services; call at the top of the file, before getApp(). */
export function useServicesConfig(config: ServicesConfig) {
  if (shared) throw new Error('useServicesConfig must run before getApp()')
  servicesConfig = config
}

/** The services of `database` in this file (one per database, as the server makes one per app). */
export function servicesOf(database: DbHandle): Services {
  let s = servicesByDatabase.get(database)
  if (!s) {
    s = createServices(database, servicesConfig)
    servicesByDatabase.set(database, s)
  }
  return s
}

/** The app of this test file (built once, closed after the file). */
export function getApp() {
  shared ??= (async () => {
    const database = await createDb(process.env.DATABASE_URL)
    const services = servicesOf(database)
    const app = await buildApp({ services })
    await app.ready()
    afterAll(async () => {
      await app.close()
      await database.db.$disconnect()
    })
    return { app, database, services }
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

export interface RestResponse<T = any> {
  status: number
  body: T
  headers: Record<string, unknown>
}

export interface RestOptions {
  key?: string
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  headers?: Record<string, string | undefined>
}

/** REST call through app.inject: `rest('GET', '/channel', { key, query })`. */
export async function rest<T = any>(method: InjectOptions['method'], url: string, opts: RestOptions = {}): Promise<RestResponse<T>> {
  return restOn((await getApp()).app, method, url, opts)
}

/** `rest()` against another app instance (one built with `buildTestApp`). */
export async function restOn<T = any>(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  opts: RestOptions = {},
): Promise<RestResponse<T>> {
  const res = await app.inject({
    method,
    url,
    query: opts.query
      ? Object.fromEntries(
          Object.entries(opts.query)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        )
      : undefined,
    headers: {
      ...(opts.key ? { authorization: opts.key } : {}),
      ...(Object.fromEntries(Object.entries(opts.headers ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>),
    },
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
  const { services } = await getApp()
  return createCaller(createContextInner({ services, apiKey: key }))
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

// ---- for the reliability and security suites ----------------------------------------------

/** The database id of a key (to address it at /apikey/{id}). */
export async function keyId(plain: string, database?: DbHandle): Promise<number> {
  const db = (database ?? (await getApp()).database).db
  const row = await db.apiKey.findUnique({ where: { key_hash: hashKey(plain) }, select: { id: true } })
  if (!row) throw new Error('no such key')
  return row.id
}

/**
 * `fn` after the current test, or after the file when called outside a test: an afterAll
 * registered while a test runs never runs (vitest 4), which leaked databases and apps.
 */
export function afterThis(fn: () => unknown) {
  try {
    onTestFinished(async () => void (await fn()))
  } catch {
    afterAll(async () => void (await fn()))
  }
}

/**
 * A fresh, migrated database of the run's kind (a temporary SQLite file, or a new PostgreSQL
 * database beside the run's), dropped after the test (or the file) that made it. For tests that
 * compare whole-database snapshots or kill servers, which must not see other files' writes.
 */
export async function isolatedDatabase(): Promise<{ url: string; database: DbHandle }> {
  const runUrl = process.env.DATABASE_URL ?? ''
  let url: string
  let drop: () => Promise<void>
  if (/^postgres(ql)?:\/\//.test(runUrl)) {
    const name = `iso_${process.pid}_${uid()}`
    const admin = await createDb(runUrl)
    await admin.db.$executeRawUnsafe(`CREATE DATABASE "${name}"`)
    const u = new URL(runUrl)
    u.pathname = `/${name}`
    url = u.toString()
    drop = async () => {
      await admin.db.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.db.$disconnect()
    }
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-iso-'))
    url = `file:${path.join(dir, 'test.db')}`
    drop = async () => fs.rmSync(dir, { recursive: true, force: true })
  }
  await applyMigrations(url)
  const database = await createDb(url)
  afterThis(async () => {
    await database.db.$disconnect()
    await drop()
  })
  return { url, database }
}

/** Another app instance on `database` with options (closed after the test, or the file, that made it). */
export async function buildTestApp(database: DbHandle, opts: Omit<AppOptions, 'services'> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ services: servicesOf(database), ...opts })
  await app.ready()
  afterThis(() => app.close())
  return app
}

/** Table names of the database (Prisma's own bookkeeping left out). */
export async function tableNames(database: DbHandle): Promise<string[]> {
  const rows: { name: string }[] =
    database.provider === 'postgres'
      ? await database.db.$queryRawUnsafe(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        )
      : await database.db.$queryRawUnsafe(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
  return rows
    .map((r) => r.name)
    .filter((n) => !n.startsWith('_prisma'))
    .sort()
}

/** Row count and a checksum of every table: equal snapshots mean an unchanged database. */
/** What a device request may write for one app, row by row (tests run in parallel on one database: an app's rows are theirs alone). */
export async function appRows(database: DbHandle, app_id: string) {
  const where = { where: { app_id } }
  const { db } = database
  const [devices, overrides, months, days, bundleDays] = await Promise.all([
    db.device.findMany({ ...where, orderBy: { device_id: 'asc' } }),
    db.deviceOverride.findMany({ ...where, orderBy: { device_id: 'asc' } }),
    db.deviceMonth.findMany({ ...where, orderBy: { device_id: 'asc' } }),
    db.dailyStat.findMany({ ...where, orderBy: { date: 'asc' } }),
    db.bundleDailyStat.findMany({ ...where, orderBy: [{ bundle_id: 'asc' }, { date: 'asc' }] }),
  ])
  return JSON.parse(JSON.stringify({ devices, overrides, months, days, bundleDays }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
}

export async function snapshotDb(database: DbHandle): Promise<Record<string, { rows: number; checksum: string }>> {
  const out: Record<string, { rows: number; checksum: string }> = {}
  const json = (v: unknown) =>
    JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x))
  for (const name of await tableNames(database)) {
    const rows: unknown[] = await database.db.$queryRawUnsafe(`SELECT * FROM "${name}"`)
    const lines = rows.map(json).sort()
    out[name] = { rows: rows.length, checksum: createHash('sha256').update(lines.join('\n')).digest('hex') }
  }
  return out
}

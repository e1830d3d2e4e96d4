// The app of a test file: one per file on the run's database, its services (one per database), a disk
// store folder, and other app instances a test builds, each closed after the test or file.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createServices, type Services, type ServicesConfig } from '@capgo-api/api'
import { createDb, type DbHandle } from '@capgo-api/db'
import type { FastifyInstance } from 'fastify'
import { afterAll, onTestFinished } from 'vitest'
import { type AppOptions, buildApp } from '../../src/app.ts'

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

let storageDir: string | undefined
/** A folder of this test file for the disk store, removed after the file. */
export function testStorageDir() {
  if (!storageDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-bundles-'))
    storageDir = dir
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  }
  return storageDir
}

/** The services of `database` in this file (one per database, as the server makes one per app). */
export function servicesOf(database: DbHandle): Services {
  let s = servicesByDatabase.get(database)
  if (!s) {
    s = createServices(database, { storageUrl: `file:${testStorageDir()}`, ...servicesConfig })
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

/** Another app instance on `database` with options (closed after the test, or the file, that made it). */
export async function buildTestApp(database: DbHandle, opts: Omit<AppOptions, 'services'> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ services: servicesOf(database), ...opts })
  await app.ready()
  afterThis(() => app.close())
  return app
}

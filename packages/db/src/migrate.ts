// Applies pending migrations without Prisma's native schema engine (see scripts/wasm-engine.mjs),
// in a worker thread: the WASM engine's memory (~50 MB) goes away with the thread.
import fs from 'node:fs'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { type Provider, providerOf, sqliteFile } from './index.ts'

/**
 * Where the worker script and the migrations are, found from this module only (never from the
 * working directory): next to the server's bundle, where its build copies them (dist/), or in
 * the repository when running from source.
 */
function layout(provider: Provider) {
  const here = import.meta.dirname
  const bundled = path.join(here, 'migrate-worker.mjs')
  if (fs.existsSync(bundled)) return { worker: bundled, migrations: path.join(here, 'prisma', provider, 'migrations') }
  return {
    worker: path.resolve(here, '../scripts/migrate-worker.mjs'),
    migrations: path.resolve(here, '../../../prisma', provider, 'migrations'),
  }
}

export const migrationsDir = (url: string) => layout(providerOf(url)).migrations

/** A migration that cannot run, told in one line (no engine stack trace). */
export class MigrationError extends Error {}

const migrationNames = (dir: string) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)

/**
 * Whether a SQLite file lacks a migration, read with a plain connection. The schema engine takes
 * the file EXCLUSIVE, which a running server never allows: an up-to-date file (the usual case for
 * db:migrate, db:seed or a second server beside a running one) must not need the engine at all.
 */
async function sqliteNeedsMigrations(file: string, dir: string): Promise<boolean> {
  if (!fs.existsSync(file)) return true
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(file, { fileMustExist: true, timeout: 10_000 })
  try {
    const done = new Set(
      db.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL').pluck().all(),
    )
    return migrationNames(dir).some((name) => !done.has(name))
  } catch {
    return true // no _prisma_migrations yet
  } finally {
    db.close()
  }
}

/** Applies every pending migration to the database at `url`; returns the names applied. */
export async function applyMigrations(url: string): Promise<string[]> {
  const provider = providerOf(url)
  const { worker: script, migrations } = layout(provider)
  const file = provider === 'sqlite' ? path.resolve(sqliteFile(url)) : undefined
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    if (!(await sqliteNeedsMigrations(file, migrations))) return []
  }
  const worker = new Worker(script, { workerData: { url, dir: migrations } })
  try {
    return await new Promise<string[]>((resolve, reject) => {
      worker.once('message', (m: { applied?: string[]; error?: string }) => {
        if (!m.error) return resolve(m.applied ?? [])
        // the SQLite adapter reports SQLITE_BUSY as SocketTimeout, which the engine cannot even name
        if (file && /SocketTimeout|SQLITE_BUSY|database is locked/.test(m.error)) {
          return reject(
            new MigrationError(
              `cannot migrate ${file}: another process has it open (a running server?); stop it and run the command again (the server applies pending migrations when it starts)`,
            ),
          )
        }
        reject(new Error(`migration failed: ${m.error}`))
      })
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`migration worker exited with code ${code}`)))
    })
  } finally {
    // nothing of the engine may outlive the migration (it arms timers and holds connections)
    await worker.terminate()
  }
}

// Applies pending migrations without Prisma's native schema engine (see scripts/wasm-engine.mjs),
// in a worker thread: the WASM engine's memory (~50 MB) goes away with the thread.
import fs from 'node:fs'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { providerOf, sqliteFile, type Provider } from './index.ts'

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

/** Applies every pending migration to the database at `url`; returns the names applied. */
export async function applyMigrations(url: string): Promise<string[]> {
  if (providerOf(url) === 'sqlite') fs.mkdirSync(path.dirname(path.resolve(sqliteFile(url))), { recursive: true })
  const { worker: script, migrations } = layout(providerOf(url))
  const worker = new Worker(script, { workerData: { url, dir: migrations } })
  try {
    return await new Promise<string[]>((resolve, reject) => {
      worker.once('message', (m: { applied?: string[]; error?: string }) => (m.error ? reject(new Error(`migration failed: ${m.error}`)) : resolve(m.applied ?? [])))
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`migration worker exited with code ${code}`)))
    })
  } finally {
    // nothing of the engine may outlive the migration (it arms timers and holds connections)
    await worker.terminate()
  }
}

// Applies pending migrations without Prisma's native schema engine (see scripts/wasm-engine.mjs).
import fs from 'node:fs'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { providerOf, sqliteFile } from './index.ts'

/** The repository root, found from this module (works from source and from a bundle in dist/). */
function repoRoot(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'prisma/sqlite/schema.prisma'))) return dir
    if (path.dirname(dir) === dir) throw new Error('cannot find prisma/ above ' + import.meta.dirname)
  }
}

export const migrationsDir = (url: string) => path.join(repoRoot(), 'prisma', providerOf(url), 'migrations')

/** Applies every pending migration to the database at `url`; returns the names applied. */
export async function applyMigrations(url: string): Promise<string[]> {
  if (providerOf(url) === 'sqlite') fs.mkdirSync(path.dirname(path.resolve(sqliteFile(url))), { recursive: true })
  const worker = new Worker(path.join(repoRoot(), 'packages/db/scripts/migrate-worker.mjs'), { workerData: { url, dir: migrationsDir(url) } })
  return new Promise<string[]>((resolve, reject) => {
    worker.once('message', (m: { applied?: string[]; error?: string }) => (m.error ? reject(new Error(`migration failed: ${m.error}`)) : resolve(m.applied ?? [])))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`migration worker exited with code ${code}`)))
  })
}

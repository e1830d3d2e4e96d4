// Applies pending migrations without Prisma's native schema engine (see scripts/wasm-engine.mjs).
import fs from 'node:fs'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { providerOf, sqliteFile } from './index.ts'

export const migrationsDir = (url: string) =>
  path.resolve(import.meta.dirname, '../../../prisma', providerOf(url), 'migrations')

/** Applies every pending migration to the database at `url`; returns the names applied. */
export async function applyMigrations(url: string): Promise<string[]> {
  if (providerOf(url) === 'sqlite') fs.mkdirSync(path.dirname(path.resolve(sqliteFile(url))), { recursive: true })
  const worker = new Worker(new URL('../scripts/migrate-worker.mjs', import.meta.url), { workerData: { url, dir: migrationsDir(url) } })
  return new Promise<string[]>((resolve, reject) => {
    worker.once('message', (m: { applied?: string[]; error?: string }) => (m.error ? reject(new Error(`migration failed: ${m.error}`)) : resolve(m.applied ?? [])))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`migration worker exited with code ${code}`)))
  })
}

// Applies pending migrations without Prisma's native schema engine (see scripts/wasm-engine.mjs).
import path from 'node:path'
import { providerOf, sqliteFile } from './index.ts'
// @ts-expect-error plain .mjs helper without types
import { applyMigrations as apply } from '../scripts/wasm-engine.mjs'

export const migrationsDir = (url: string) =>
  path.resolve(import.meta.dirname, '../../../prisma', providerOf(url), 'migrations')

/** Applies every pending migration to the database at `url`; returns the names applied. */
export async function applyMigrations(url: string): Promise<string[]> {
  if (providerOf(url) === 'sqlite') {
    const fs = await import('node:fs')
    const file = sqliteFile(url)
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  }
  return (await apply(url, migrationsDir(url))) as string[]
}

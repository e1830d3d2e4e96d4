// `pnpm db:migrate`: apply pending migrations to DATABASE_URL, resolved as the server resolves it.

import { applyMigrations, MigrationError } from './migrate.ts'
import { resolveDatabaseUrl } from './paths.ts'

try {
  const applied = await applyMigrations(resolveDatabaseUrl(process.env))
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
} catch (e) {
  if (!(e instanceof MigrationError)) throw e
  console.error(`error: ${e.message}`)
  process.exitCode = 1
}

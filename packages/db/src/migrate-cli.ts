// `pnpm db:migrate`: apply pending migrations to DATABASE_URL.
import { DEFAULT_DATABASE_URL } from './index.ts'
import { applyMigrations } from './migrate.ts'

const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL
const applied = await applyMigrations(url)
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')

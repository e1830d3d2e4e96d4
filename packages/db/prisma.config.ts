import path from 'node:path'
import { defineConfig } from 'prisma/config'

// DB_PROVIDER=sqlite (default) | postgres. The schema source lives in <repo>/prisma.
const provider = process.env.DB_PROVIDER === 'postgres' ? 'postgres' : 'sqlite'
const root = path.join(import.meta.dirname, '../../prisma')
// No native schema-engine offline: point the CLI at the WASM-backed shim.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(import.meta.dirname, 'scripts/schema-engine-shim.mjs')

export default defineConfig({
  schema: path.join(root, provider, 'schema.prisma'),
  migrations: { path: path.join(root, provider, 'migrations') },
  datasource: {
    url: process.env.DATABASE_URL ?? (provider === 'postgres' ? 'postgresql://postgres@127.0.0.1:5432/capgo_dev' : 'file:./dev.db'),
  },
})

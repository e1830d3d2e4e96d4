// prisma/sqlite/schema.prisma is the source of truth; derive the PostgreSQL twin (provider + client output differ).
import fs from 'node:fs'

const dir = new URL('../../../prisma/', import.meta.url)
const src = fs.readFileSync(new URL('sqlite/schema.prisma', dir), 'utf8')
const out = src
  .replace(/(datasource\s+\w+\s*\{[^}]*provider\s*=\s*)"sqlite"/, '$1"postgresql"')
  .replace('/generated/sqlite"', '/generated/postgres"')
fs.mkdirSync(new URL('postgres/', dir), { recursive: true })
fs.writeFileSync(
  new URL('postgres/schema.prisma', dir),
  `// GENERATED from prisma/sqlite/schema.prisma by scripts/sync-pg-schema.mjs - do not edit\n${out}`,
)

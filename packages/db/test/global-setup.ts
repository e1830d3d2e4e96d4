// A fresh database per test run: PostgreSQL when TEST_DATABASE_URL is set, else a temporary
// SQLite file. Test files share it and keep apart by creating their own tenants.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { applyMigrations } from '../src/migrate.ts'

export default async function setup() {
  const base = process.env.TEST_DATABASE_URL
  let url: string
  let teardown: () => Promise<void>
  if (base) {
    const name = `test_${process.pid}_${Date.now()}`
    const admin = new pg.Client({ connectionString: base })
    await admin.connect()
    await admin.query(`CREATE DATABASE "${name}"`)
    const u = new URL(base)
    u.pathname = `/${name}`
    url = u.toString()
    teardown = async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.end()
    }
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-test-'))
    url = `file:${path.join(dir, 'test.db')}`
    teardown = async () => fs.rmSync(dir, { recursive: true, force: true })
  }
  await applyMigrations(url)
  process.env.DATABASE_URL = url // inherited by the test workers
  return teardown
}

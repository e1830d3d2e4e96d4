// The tooling as operators run it (`pnpm db:migrate`, `pnpm db:seed`, `pnpm cli`, a second server)
// beside a running server on the same SQLite file: DATABASE_URL is resolved as the server resolves
// it (relative to the folder the command ran from), up-to-date files need no lock, and a migration
// that cannot take the file fails with one clear line, in bounded time.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { SERVER_DIR, startServer } from './server.ts'

const REPO_DIR = path.resolve(SERVER_DIR, '../..')
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-tooling-')))
// a folder inside the checkout (pnpm finds the workspace from it) that git ignores
fs.mkdirSync(path.join(REPO_DIR, 'node_modules/.cache'), { recursive: true })
const inRepo = fs.mkdtempSync(path.join(REPO_DIR, 'node_modules/.cache/capgo-tooling-'))
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.rmSync(inRepo, { recursive: true, force: true })
})

/** `pnpm <args>` run from `cwd` (in the checkout) with a clean environment, as a user in that folder would. */
function pnpm(cwd: string, args: string[], env: Record<string, string> = {}, timeout = 150_000) {
  return new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = Date.now()
    execFile(
      'pnpm',
      ['--silent', ...args],
      { cwd, timeout, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, ms: Date.now() - started })
      },
    )
  })
}

describe('tooling beside a running server', () => {
  it('db:migrate, cli and db:seed without DATABASE_URL use ./data of the folder they ran from, while the server runs on it', async () => {
    const dir = inRepo
    const migrated = await pnpm(dir, ['db:migrate'])
    expect(migrated, migrated.stderr).toMatchObject({ code: 0 })
    expect(fs.existsSync(path.join(dir, 'data/capgo.db'))).toBe(true)
    expect(fs.existsSync(path.join(REPO_DIR, 'packages/db/data'))).toBe(false)

    // the server started in the same folder serves that file
    const server = await startServer({ cwd: dir, env: { CAPGO_BOOTSTRAP_API_KEY: 'operator-key-123' } })
    const again = await pnpm(dir, ['db:migrate'])
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('database is up to date') })

    const created = await pnpm(dir, ['cli', 'user:create', '--email', 'ops@example.com', '--org', 'Default organization', '--json'])
    expect(created, created.stderr).toMatchObject({ code: 0 })
    const { key } = JSON.parse(created.stdout) as { key: string }
    expect((await fetch(`${server.base}/app`, { headers: { authorization: key } })).status).toBe(200)

    const seeded = await pnpm(dir, ['db:seed'], { CAPGO_DEMO_API_KEY: 'demo-seed-key-123' })
    expect(seeded, seeded.stderr).toMatchObject({ code: 0 })
    const apps = (await (await fetch(`${server.base}/app`, { headers: { authorization: 'demo-seed-key-123' } })).json()) as {
      app_id: string
    }[]
    expect(apps.map((a) => a.app_id)).toContain('com.demo.weather')
    expect(await server.stop()).toBe(0)
  }, 400_000)

  it('a second server on the file of a running server starts', async () => {
    const url = `file:${path.join(tmp, 'two', 'capgo.db')}`
    const first = await startServer({ env: { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: 'two-servers-key-123' } })
    const second = await startServer({ env: { DATABASE_URL: url } })
    expect((await fetch(`${second.base}/app`, { headers: { authorization: 'two-servers-key-123' } })).status).toBe(200)
    expect(await second.stop()).toBe(0)
    expect(await first.stop()).toBe(0)
  }, 150_000)

  it('db:migrate with a migration pending on the file of a running server fails in one clear line', async () => {
    const file = path.join(tmp, 'pending', 'capgo.db')
    const server = await startServer({ env: { DATABASE_URL: `file:${file}` } })
    // as if the checkout gained a migration the running server has not applied yet
    const db = new Database(file)
    db.prepare(
      'UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations)',
    ).run()
    db.close()
    const res = await pnpm(inRepo, ['db:migrate'], { DATABASE_URL: `file:${file}` }, 90_000)
    expect(res.code).toBe(1)
    expect(res.stderr).toBe(
      `error: cannot migrate ${file}: another process has it open (a running server?); stop it and run the command again (the server applies pending migrations when it starts)\n`,
    )
    expect(await server.stop()).toBe(0)
  }, 150_000)
})

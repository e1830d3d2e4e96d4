// The built server as `pnpm start` runs it: it starts on a fresh database, answers /ok, and
// SIGTERM makes it exit 0.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { startServer } from './server.ts'

describe('the built server', () => {
  it('starts on an empty SQLite file, answers /ok, exits 0 on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-start-'))
    const server = await startServer({
      env: { DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`, CAPGO_BOOTSTRAP_API_KEY: 'start-test-key-123' },
    })
    const res = await fetch(`${server.base}/app`, { headers: { authorization: 'start-test-key-123' } })
    expect(res.status).toBe(200)
    expect(await server.stop('SIGTERM')).toBe(0)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 90_000)

  it.each(['DATABASE_POOL_SIZE', 'CAPGO_ACCESS_CACHE_TTL_MS', 'CAPGO_UPDATES_CACHE_TTL_MS', 'LOG_FORMAT'])(
    'refuses an invalid %s: exit 1, one line naming it',
    async (name) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-env-'))
      for (const value of ['abc', '-1']) {
        const server = await startServer({ env: { DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`, [name]: value }, waitForOk: false })
        expect(await server.exited).toBe(1)
        expect(server.stderr()).toMatch(new RegExp(`^invalid environment: ${name}: [^\\n]+\\n$`))
      }
      fs.rmSync(dir, { recursive: true, force: true })
    },
    90_000,
  )
})

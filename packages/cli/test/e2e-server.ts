// What the capgo-api end-to-end suites share: the built server (spawned like `pnpm start`, on a
// fresh database of the run's kind: SQLite, or PostgreSQL with TEST_DATABASE_URL) with a bootstrap
// key, users logged in to it, apps, and a device's check-in.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, expect } from 'vitest'
import { isolatedDatabase } from '../../../apps/server/test/harness.ts'
import { type StartedServer, startServer } from '../../../apps/server/test/process/server.ts'
import { newUser, type Run, type User } from './helpers.ts'

/** Each test runs the CLI a dozen times or more, each a process of its own, on a loaded machine. */
export const SLOW = 240_000
export const KEY = `cli-e2e-${crypto.randomBytes(12).toString('hex')}`

/** The JSON a command printed (it succeeded, with nothing on stderr); untyped unless T says. */
// biome-ignore lint/suspicious/noExplicitAny: tests probe the shape of the CLI's JSON answers, as the test files may
export const json = <T = any>(r: Run): T => {
  expect(r.stderr, r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as T
}

let appSeq = 0
export const newAppId = () => `com.cli${process.pid}.app${++appSeq}${crypto.randomBytes(3).toString('hex')}`

/** Starts the built server for the calling file's tests (killed after them), and what they do with it. */
export function useServer() {
  let started: StartedServer
  const server = {
    get base() {
      return started.base
    },
  }
  beforeAll(async () => {
    const { url } = await isolatedDatabase()
    const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-cli-store-'))
    started = await startServer({
      env: { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: KEY, STORAGE_URL: `file:${storage}`, RATE_LIMIT_MAX: '0' },
    })
  }, 120_000)

  /** A user logged in to the server (config stored by `capgo-api login`). */
  async function loggedIn(): Promise<User> {
    const u = newUser()
    const r = await u.cli(['login', '--server', server.base, '--apikey', KEY])
    expect(r.code, r.stderr).toBe(0)
    return u
  }

  /** A logged-in user with a new app named `name`; with `channel`, the app's public channel production. */
  async function withApp(name: string, channel = false): Promise<{ u: User; appId: string }> {
    const u = await loggedIn()
    const appId = newAppId()
    json(await u.cli(['app', 'add', appId, '--name', name, '--json']))
    if (channel) json(await u.cli(['channel', 'add', 'production', '--app', appId, '--public', '--json']))
    return { u, appId }
  }

  /** What a device sends to POST /updates (the 8.x plugin's info object). */
  async function checkIn(appId: string, extra: Record<string, unknown> = {}) {
    const res = await fetch(`${server.base}/updates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        app_id: appId,
        device_id: crypto.randomUUID(),
        platform: 'android',
        version_name: 'builtin',
        version_build: '1.0.0',
        version_os: '14',
        plugin_version: '8.51.23',
        is_emulator: false,
        is_prod: true,
        ...extra,
      }),
    })
    expect(res.status).toBe(200)
    return (await res.json()) as { version?: string; url?: string; checksum?: string; session_key?: string; error?: string }
  }

  return { server, loggedIn, withApp, checkIn }
}

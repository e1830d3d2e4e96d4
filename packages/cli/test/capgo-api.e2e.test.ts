// capgo-api end to end: the built CLI (its own process, a clean environment) against the built
// server (e2e-server.ts): configuration, managing apps, channels and devices, failures, installs.
// Shipping bundles: capgo-api.bundles.e2e.test.ts.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { json, KEY, newAppId, SLOW, useServer } from './e2e-server.ts'
import { errorLine, expectFailure, newUser, upload } from './helpers.ts'

const { server, loggedIn, withApp, checkIn } = useServer()

describe('capgo-api: configuration', () => {
  it(
    'login checks the key, stores server and key with mode 0600; flags beat the environment, which beats the stored config',
    async () => {
      const u = newUser()
      const file = path.join(u.home, '.config/capgo-api/config.json')

      const bad = await u.cli(['login', '--server', server.base, '--apikey', 'not-a-key'])
      expectFailure(bad, 'invalid_apikey')
      expect(fs.existsSync(file)).toBe(false)

      const ok = await u.cli(['login', '--server', server.base, '--apikey', KEY, '--json'])
      expect(json(ok)).toEqual({ status: 'ok', server: server.base, config: file })
      expect(fs.statSync(file).mode & 0o777).toBe(0o600)
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ server: server.base, apikey: KEY })

      // stored config alone
      expect(Array.isArray(json(await u.cli(['app', 'list', '--json'])))).toBe(true)
      // the environment beats the stored config
      const envKey = await u.cli(['app', 'list'], { CAPGO_API_KEY: 'wrong-key' })
      expectFailure(envKey, 'invalid_apikey')
      const envUrl = await u.cli(['app', 'list'], { CAPGO_API_URL: 'http://127.0.0.1:1' })
      expectFailure(envUrl, 'network_error', /no API answer from http:\/\/127\.0\.0\.1:1: [^\n]+/)
      // flags beat the environment
      expect(Array.isArray(json(await u.cli(['app', 'list', '--json', '--apikey', KEY], { CAPGO_API_KEY: 'wrong-key' })))).toBe(true)

      // CI: environment only, nothing stored
      const ci = newUser()
      expect(Array.isArray(json(await ci.cli(['app', 'list', '--json'], { CAPGO_API_URL: server.base, CAPGO_API_KEY: KEY })))).toBe(true)
      const none = await ci.cli(['app', 'list'])
      expect(none.code).toBe(1)
      expect(errorLine(none)).toBe('error: no_server: No server given: pass --server <url>, set CAPGO_API_URL, or run capgo-api login.')
    },
    SLOW,
  )
})

describe('capgo-api: apps, channels, devices, statistics', () => {
  it(
    'adds, lists and deletes apps; sets channels; overrides and resets a device; reads statistics and the chart',
    async () => {
      const u = await loggedIn()
      const appId = newAppId()
      expect(json(await u.cli(['app', 'add', appId, '--name', 'CLI app', '--json']))).toMatchObject({ app_id: appId, name: 'CLI app' })
      expect(json<{ app_id: string }[]>(await u.cli(['app', 'list', '--json'])).map((a) => a.app_id)).toContain(appId)
      const human = await u.cli(['app', 'list'])
      expect(human.stdout).toMatch(new RegExp(`^${appId.replace(/\./g, '\\.')}\\s+CLI app\\s`, 'm'))

      expect(json(await u.cli(['channel', 'add', 'production', '--app', appId, '--public', '--json']))).toMatchObject({ status: 'ok' })
      json(
        await u.cli(['channel', 'set', 'beta', '--app', appId, '--self-assign', '--no-ios', '--disable-auto-update', 'metadata', '--json']),
      )
      const channels = json<{ name: string; public: boolean; ios: boolean; allow_device_self_set: boolean; disableAutoUpdate: string }[]>(
        await u.cli(['channel', 'list', '--app', appId, '--json']),
      )
      expect(channels.map((c) => [c.name, c.public, c.ios, c.allow_device_self_set, c.disableAutoUpdate])).toEqual([
        ['production', true, true, false, 'major'],
        ['beta', false, false, true, 'version_number'],
      ])

      const device = crypto.randomUUID().toUpperCase()
      await checkIn(appId, { device_id: device.toLowerCase() })
      json(await u.cli(['device', 'override', device, '--app', appId, '--channel', 'beta', '--json']))
      const listed = json<{ data: { device_id: string; channel: string | null }[]; hasMore: boolean }>(
        await u.cli(['device', 'list', '--app', appId, '--limit', '10', '--json']),
      )
      expect(listed.data.map((d) => [d.device_id, d.channel])).toEqual([[device.toLowerCase(), 'beta']])
      json(await u.cli(['device', 'reset', device, '--app', appId, '--json']))
      const after = json<{ data: { channel: string | null }[] }>(await u.cli(['device', 'list', '--app', appId, '--json']))
      expect(after.data.map((d) => d.channel ?? null)).toEqual([null])
      const missing = await u.cli(['device', 'reset', crypto.randomUUID(), '--app', appId])
      expectFailure(missing, 'device_not_found')

      const today = new Date().toISOString().slice(0, 10)
      const stats = json<{ date: string; mau: number }[]>(await u.cli(['stats', appId, '--from', today, '--to', today, '--json']))
      expect(stats).toEqual([{ date: today, mau: 1, storage: 0, bandwidth: 0 }]) // the device that checked in
      const chart = await u.cli(['stats', appId, '--from', today, '--to', today, '--graph', 'mau', '--out', 'charts/mau.svg'])
      expect(chart.code, chart.stderr).toBe(0)
      expect(fs.readFileSync(path.join(u.dir, 'charts/mau.svg'), 'utf8')).toMatch(/^<\?xml[^>]*>\s*<svg/)

      json(await u.cli(['channel', 'delete', 'beta', '--app', appId, '--json']))
      json(await u.cli(['app', 'delete', appId, '--json']))
      const gone = await u.cli(['channel', 'list', '--app', appId])
      expectFailure(gone, 'app_not_found')
    },
    SLOW,
  )
})

describe('capgo-api: failures', () => {
  it(
    'exits 1 with the server error code on one line, and with --json also the envelope on stdout',
    async () => {
      const { u, appId } = await withApp('x')
      const again = await u.cli(['app', 'add', appId, '--name', 'x'])
      expectFailure(again, 'app_already_exists')
      expect(again.stdout).toBe('')
      const againJson = await u.cli(['app', 'add', appId, '--name', 'x', '--json'])
      expect(againJson.code).toBe(1)
      expect(JSON.parse(againJson.stdout)).toEqual({ status: 'KO', error: 'app_already_exists', message: expect.any(String) })

      const badVersion = await upload(u, undefined, appId, 'v1', '--external-url', 'https://cdn.example.com/a.zip', '--checksum', 'ab')
      expectFailure(badVersion, 'invalid_version_format')

      const usage = await u.cli(['channel', 'set', 'production', '--app', appId, '--disable-auto-update', 'sometimes'])
      expect([usage.code, usage.stderr]).toEqual([
        1,
        "error: invalid_arguments: option '--disable-auto-update <rule>' argument 'sometimes' is invalid. Allowed choices are major, minor, patch, metadata, none.\n",
      ])
    },
    SLOW,
  )

  it(
    'refuses a folder without index.html before calling the server',
    async () => {
      const { u, appId } = await withApp('x')
      fs.mkdirSync(path.join(u.dir, 'dist/assets'), { recursive: true })
      fs.writeFileSync(path.join(u.dir, 'dist/assets/app.js'), '1')
      const r = await upload(u, './dist', appId, '1.0.0', '--json')
      expectFailure(r, 'no_index_html', /\.\/dist has no index\.html at its root[^\n]*/)
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'KO', error: 'no_index_html' })
      expect(json(await u.cli(['bundle', 'list', '--app', appId, '--json']))).toEqual([])
    },
    SLOW,
  )

  it(
    '--help on every command, with examples; the operator tool is named apart',
    async () => {
      const u = newUser()
      const commands = [
        [],
        ['login'],
        ['app', 'add'],
        ['app', 'list'],
        ['app', 'delete'],
        ['bundle', 'upload'],
        ['bundle', 'list'],
        ['bundle', 'delete'],
        ['channel', 'add'],
        ['channel', 'set'],
        ['channel', 'list'],
        ['channel', 'delete'],
        ['device', 'list'],
        ['device', 'override'],
        ['device', 'reset'],
        ['stats'],
        ['key', 'create'],
      ]
      for (const c of commands) {
        const r = await u.cli([...c, '--help'])
        expect([c, r.code, r.stderr]).toEqual([c, 0, ''])
        expect(r.stdout, c.join(' ')).toContain('Examples:\n  $ capgo-api ')
        expect(r.stdout).toContain('--server <url>')
      }
      expect((await u.cli(['--help'])).stdout.replace(/\s+/g, ' ')).toContain(
        '(Not the operator tool `pnpm cli`, which manages users and keys in the server database.)',
      )
    },
    SLOW,
  )
})

describe('capgo-api: installs', () => {
  it(
    'runs from the repo root as `pnpm --silent capgo-api`, resolving paths against the folder it was run from',
    async () => {
      const u = newUser()
      const sub = path.join(REPO_SUBDIR(), `cli-e2e-${crypto.randomBytes(4).toString('hex')}`)
      fs.mkdirSync(sub)
      try {
        const r = await u.run('pnpm', ['--silent', 'capgo-api', 'key', 'create', '--out', 'k', '--json'], { cwd: sub })
        expect(r.code, r.stderr).toBe(0)
        expect(JSON.parse(r.stdout).private_key_file).toBe(path.join(sub, 'k/.capgo_key_v2'))
        expect(fs.existsSync(path.join(sub, 'k/.capgo_key_v2'))).toBe(true)
      } finally {
        fs.rmSync(sub, { recursive: true, force: true })
      }
    },
    SLOW,
  )

  it(
    'installs on its own from the packed tarball (no dependencies) and runs against the server',
    async () => {
      const u = newUser()
      const packed = await u.run('pnpm', ['pack', '--pack-destination', u.dir], { cwd: CLI_PACKAGE })
      expect(packed.code, packed.stderr).toBe(0)
      const tgz = fs.readdirSync(u.dir).find((f) => f.endsWith('.tgz'))!
      const prefix = path.join(u.home, 'global')
      const inst = await u.run('npm', ['i', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', path.join(u.dir, tgz)])
      expect(inst.code, inst.stderr).toBe(0)
      // only the bundle and package.json are installed: no node_modules, no server code
      const installed = path.join(prefix, 'lib/node_modules/@capgo-api/cli')
      expect(fs.readdirSync(installed).sort()).toEqual(['dist', 'package.json'])
      expect(fs.readdirSync(path.join(installed, 'dist'))).toEqual(['capgo-api.mjs'])
      const r = await u.run(path.join(prefix, 'bin/capgo-api'), ['app', 'list', '--json', '--server', server.base, '--apikey', KEY])
      expect(r.code, r.stderr).toBe(0)
      expect(Array.isArray(JSON.parse(r.stdout))).toBe(true)
    },
    SLOW,
  )
})

const CLI_PACKAGE = path.resolve(import.meta.dirname, '..')
/** A folder inside the repository (not its root) to run pnpm from. */
const REPO_SUBDIR = () => path.resolve(CLI_PACKAGE, '../../apps')

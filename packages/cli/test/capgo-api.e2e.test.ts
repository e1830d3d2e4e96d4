// capgo-api end to end: the built CLI (its own process, a clean environment) against the built
// server (spawned like `pnpm start`, on a fresh database of the run's kind: SQLite, or PostgreSQL
// with TEST_DATABASE_URL). A simulated device then checks in and downloads what was shipped.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { isolatedDatabase } from '../../../apps/server/test/harness.ts'
import { type StartedServer, startServer } from '../../../apps/server/test/process/server.ts'
import { calcChecksum, isValidSessionKey, keyIdOf, verifyLikeThePlugin } from './crypto-cipher.ts'
import { CLI, errorLine, expectFailure, newUser, type Run, readZip, sha256, type User, upload, writeWebBuild } from './helpers.ts'

/** Each test runs the CLI a dozen times or more, each a process of its own, on a loaded machine. */
const SLOW = 240_000
const KEY = `cli-e2e-${crypto.randomBytes(12).toString('hex')}`
let server: StartedServer

beforeAll(async () => {
  const { url } = await isolatedDatabase()
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-cli-store-'))
  server = await startServer({
    env: { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: KEY, STORAGE_URL: `file:${storage}`, RATE_LIMIT_MAX: '0' },
  })
}, 120_000)

const json = <T = any>(r: Run): T => {
  expect(r.stderr, r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as T
}

/** A user logged in to the server (config stored by `capgo-api login`). */
async function loggedIn(): Promise<User> {
  const u = newUser()
  const r = await u.cli(['login', '--server', server.base, '--apikey', KEY])
  expect(r.code, r.stderr).toBe(0)
  return u
}

let appSeq = 0
const newAppId = () => `com.cli${process.pid}.app${++appSeq}${crypto.randomBytes(3).toString('hex')}`

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

describe('capgo-api: bundles hosted elsewhere', () => {
  it(
    'registers an external zip with the checksum of the folder it zips, deterministic across runs',
    async () => {
      const { u, appId } = await withApp('x', true)
      writeWebBuild(path.join(u.dir, 'dist'))
      const url = 'https://cdn.example.com/app/1.0.1.zip'
      const first = json(await upload(u, 'dist', appId, '1.0.1', '--external-url', url, '--channel', 'production', '--json'))
      expect(first.bundle).toMatchObject({ name: '1.0.1', external_url: url, storage_provider: 'external' })
      expect(first.bundle.checksum).toMatch(/^[0-9a-f]{64}$/)
      // same folder, other timestamps: same zip, same checksum
      for (const f of ['index.html', 'assets/app.js'])
        fs.utimesSync(path.join(u.dir, 'dist', f), new Date(2001, 1, 1), new Date(2001, 1, 1))
      const second = json(await upload(u, './dist', appId, '1.0.2', '--external-url', url, '--json'))
      expect(second.bundle.checksum).toBe(first.bundle.checksum)
      expect(second.bundle.size).toBe(first.bundle.size)

      const answer = await checkIn(appId)
      expect(answer).toMatchObject({ version: '1.0.1', url, checksum: first.bundle.checksum })

      const list = await u.cli(['bundle', 'list', '--app', appId])
      expect(list.stdout.split('\n')[0]).toMatch(/^VERSION\s+SIZE\s+STORAGE/)
      json(await u.cli(['bundle', 'delete', '1.0.2', '--app', appId, '--json']))
      const inUse = await u.cli(['bundle', 'delete', '1.0.1', '--app', appId])
      expectFailure(inUse, 'bundle_in_use')
    },
    SLOW,
  )
})

/** Downloads what /updates pointed the device to. */
async function download(url: string): Promise<Buffer> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

describe('capgo-api: shipping a folder hosted by the server', () => {
  it(
    'uploads a folder to a channel; a device gets it, downloads it and its SHA-256 matches; the same folder zips the same',
    async () => {
      const { u, appId } = await withApp('Shipped', true)
      const files = writeWebBuild(path.join(u.dir, 'dist'))

      const up = json(await upload(u, './dist', appId, '1.0.1', '--channel', 'production', '--json'))
      expect(up.bundle).toMatchObject({ name: '1.0.1', status: 'ready', storage_provider: 'disk', external_url: null, session_key: null })
      expect(up.bundle.checksum).toBe(up.bundle.storage_checksum)
      expect(up.channel).toMatchObject({ status: 'ok' })

      const answer = await checkIn(appId)
      expect(answer).toMatchObject({ version: '1.0.1', checksum: up.bundle.checksum, session_key: '' })
      const bytes = await download(answer.url!)
      expect(bytes.length).toBe(up.bundle.size)
      expect(sha256(bytes)).toBe(answer.checksum)
      const entries = await readZip(bytes)
      expect(entries.map((e) => e.name)).toEqual(Object.keys(files).sort(byteOrder))
      for (const e of entries) expect(e.content).toBe(files[e.name])
      expect(new Set(entries.map((e) => e.mtime.getTime())).size).toBe(1)

      // the same folder with other timestamps, and the downloaded .zip as given: the same bytes
      for (const f of Object.keys(files)) fs.utimesSync(path.join(u.dir, 'dist', f), new Date(2020, 5, 5), new Date(2020, 5, 5))
      const again = json(await upload(u, 'dist', appId, '1.0.2', '--json'))
      expect(again.bundle.checksum).toBe(up.bundle.checksum)
      fs.writeFileSync(path.join(u.dir, 'given.zip'), bytes)
      const zip = json(await upload(u, 'given.zip', appId, '1.0.3', '--json'))
      expect(zip.bundle.checksum).toBe(up.bundle.checksum)

      // human output, quiet without a terminal
      const human = await upload(u, './dist', appId, '1.0.4')
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toMatch(
        new RegExp(`^Uploaded ${appId.replace(/\./g, '\\.')}@1\\.0\\.4 \\(\\d+ B, disk, checksum [0-9a-f]{16}…\\)\\.\\n$`),
      )
      expect(human.stderr).toBe(`uploading ${appId}@1.0.4 (${up.bundle.size} B)\n`)

      const missing = await upload(u, './dist', 'com.not.there', '1.0.0')
      expectFailure(missing, 'app_not_found')
    },
    SLOW,
  )

  it(
    'shows progress bars on a terminal, and none with --json',
    async () => {
      const { u, appId } = await withApp('tty')
      writeWebBuild(path.join(u.dir, 'dist'))
      // `script` gives the CLI a pseudo-terminal (stdout and stderr both go to it)
      const tty = (args: string) => u.run('script', ['-qec', `'${process.execPath}' '${CLI}' ${args}`, '/dev/null'])
      const withBar = await tty(`bundle upload ./dist --app ${appId} --version 1.0.0`)
      expect(withBar.code, withBar.stdout).toBe(0)
      expect(withBar.stdout).toMatch(/zip +\[[^\]]+\] 100% \| \d+ B \/ \d+ B/)
      expect(withBar.stdout).toMatch(/upload +\[[^\]]+\] 100% \| \d+ B \/ \d+ B/)
      const quiet = await tty(`bundle upload ./dist --app ${appId} --version 1.0.1 --json`)
      expect(quiet.code, quiet.stdout).toBe(0)
      expect(JSON.parse(quiet.stdout).bundle).toMatchObject({ name: '1.0.1', status: 'ready' })
    },
    SLOW,
  )
})

describe('capgo-api: encrypted bundles', () => {
  it(
    'encrypts as the 8.x plugin decrypts: a device decrypts the download with the public key and verifies the signed checksum',
    async () => {
      const { u, appId } = await withApp('Encrypted', true)
      const files = writeWebBuild(path.join(u.dir, 'www'))
      const key = json(await u.cli(['key', 'create', '--json']))
      const publicKey: string = key.public_key

      // the plain zip of the same folder, for reference (the zip is deterministic)
      const plainRef = json(await upload(u, 'www', appId, '1.0.0', '--json'))
      const enc = json(await upload(u, 'www', appId, '1.0.1', '--channel', 'production', '--encrypt', '--key', '.capgo_key_v2', '--json'))
      expect(enc.bundle).toMatchObject({ name: '1.0.1', status: 'ready', storage_provider: 'disk' })
      expect(isValidSessionKey(enc.bundle.session_key)).toBe(true)
      expect(enc.bundle.checksum).toMatch(/^[0-9a-f]{512}$/) // RSA-2048 of the SHA-256, hex (CryptoCipher.decryptChecksum)
      expect(enc.bundle.storage_checksum).toMatch(/^[0-9a-f]{64}$/)

      const answer = await checkIn(appId, { key_id: key.key_id })
      expect(answer).toMatchObject({ version: '1.0.1', checksum: enc.bundle.checksum, session_key: enc.bundle.session_key })
      const downloaded = await download(answer.url!)
      expect(sha256(downloaded)).toBe(enc.bundle.storage_checksum)
      expect(downloaded.length).toBe(enc.bundle.size)

      const plain = verifyLikeThePlugin(downloaded, { checksum: answer.checksum!, session_key: answer.session_key! }, publicKey)
      expect(calcChecksum(plain)).toBe(plainRef.bundle.checksum) // the original zip, byte for byte
      const entries = await readZip(plain)
      expect(Object.fromEntries(entries.map((e) => [e.name, e.content]))).toEqual(files)

      // a device holding another key cannot open it
      const other = json(await u.cli(['key', 'create', '--out', 'other', '--json']))
      expect(() =>
        verifyLikeThePlugin(downloaded, { checksum: answer.checksum!, session_key: answer.session_key! }, other.public_key),
      ).toThrow()
      // and the server knows it: the bundle carries the key it was made for, a device with another is not served
      expect(enc.bundle.key_id).toBe(key.key_id)
      expect(await checkIn(appId, { key_id: other.key_id })).toMatchObject({ error: 'key_id_mismatch', kind: 'blocked' })

      const noKey = await upload(u, 'www', appId, '1.0.2', '--encrypt')
      expectFailure(noKey, 'missing_key')
      const badKey = await upload(u, 'www', appId, '1.0.2', '--encrypt', '--key', '.capgo_key_v2.pub')
      expectFailure(badKey, 'invalid_key')
    },
    SLOW,
  )
})

describe('capgo-api: encryption keys', () => {
  it(
    'key create writes the plugin key pair (private 0600, PKCS#1 PEM) and prints the public key, the config snippet and the key_id',
    async () => {
      const u = newUser()
      const r = await u.cli(['key', 'create', '--out', 'keys'])
      expect(r.code, r.stderr).toBe(0)
      const priv = path.join(u.dir, 'keys/.capgo_key_v2')
      const pub = fs.readFileSync(path.join(u.dir, 'keys/.capgo_key_v2.pub'), 'utf8')
      expect(fs.statSync(priv).mode & 0o777).toBe(0o600)
      expect(pub).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END RSA PUBLIC KEY-----\n$/)
      expect(fs.readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/)
      expect(crypto.createPublicKey(pub).asymmetricKeyDetails?.modulusLength).toBe(2048)
      expect(r.stdout).toContain(pub.trim())
      expect(r.stdout).toContain(`CapacitorUpdater: {\n    publicKey: ${JSON.stringify(pub.trim())},`)
      expect(r.stdout).toContain(`key_id: ${keyIdOf(pub)}\n`)
      expect(keyIdOf(pub)).toMatch(/^MIIBCgKCAQEA.{8}$/)

      const again = await u.cli(['key', 'create', '--out', 'keys'])
      expectFailure(again, 'key_exists')
      const j = json(await u.cli(['key', 'create', '--out', 'keys', '--force', '--json']))
      expect(j).toMatchObject({
        status: 'ok',
        key_id: keyIdOf(j.public_key),
        capacitor_config: { plugins: { CapacitorUpdater: { publicKey: j.public_key } } },
      })
      expect(fs.readFileSync(path.join(u.dir, 'keys/.capgo_key_v2.pub'), 'utf8')).toBe(j.public_key)
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

// capgo-api end to end, shipping bundles: the built CLI uploads (plain, encrypted, hosted elsewhere)
// to the built server (e2e-server.ts); a simulated device then checks in and downloads what was shipped.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { calcChecksum, isValidSessionKey, keyIdOf, verifyLikeThePlugin } from './crypto-cipher.ts'
import { json, SLOW, useServer } from './e2e-server.ts'
import { CLI, expectFailure, newUser, readZip, sha256, upload, writeWebBuild } from './helpers.ts'

const { withApp, checkIn } = useServer()

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

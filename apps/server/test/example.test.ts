// The example app (apps/example) run as a user would: tsx src/main.ts against a live server.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { createClient } from '@capgo-api/client'
import { describe, expect, it } from 'vitest'
import { listenUrl, REPO_ROOT, SLOW } from './docs-helpers.ts'
import { createTenant } from './harness.ts'
import { uuidOf } from './uuid.ts'

const EXAMPLE = path.join(REPO_ROOT, 'apps/example')
const TSX = path.join(EXAMPLE, 'node_modules/.bin/tsx')

async function runExample(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['src/main.ts'], {
      cwd: EXAMPLE,
      env: { ...process.env, ...env },
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (e: any) {
    if (typeof e.code !== 'number') throw e
    return { code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }
  }
}

describe('apps/example', () => {
  it(
    'lists the apps and channels the key can see',
    async () => {
      const url = await listenUrl()
      const t = await createTenant()
      const second = await t.addApp()
      const admin = createClient({ url, apiKey: t.keys.write })
      await admin.bundle.create.mutate({
        app_id: t.appId,
        version: '1.4.0',
        external_url: 'https://cdn.example.com/1.4.0.zip',
        checksum: 'abc',
        size: 2 * 1048576,
      })
      await admin.channel.upsert.mutate({ app_id: t.appId, channel: 'production', public: true, version: '1.4.0' })
      await admin.channel.upsert.mutate({ app_id: t.appId, channel: 'beta', ios: false })

      const checkin = await fetch(`${url}/updates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          app_id: t.appId,
          device_id: uuidOf('example-device'),
          platform: 'ios',
          version_name: 'builtin',
          version_build: '1.0.0',
          plugin_version: '8.51.0',
          version_os: '17.0',
        }),
      })
      expect(checkin.status).toBe(200)

      const run = await runExample({ CAPGO_URL: url, CAPGO_API_KEY: t.keys.read })
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      const out = run.stdout
      expect(out).toContain(`2 app(s) at ${url}`)
      expect(out).toContain(`${t.appId}  "App `)
      expect(out).toContain(`(organization ${t.orgId}, created `)
      expect(out).toContain('  channel production → 1.4.0 (default, ios, android)')
      expect(out).toContain('  channel beta → no bundle (android)')
      // the second app comes with no channel
      expect(out).toMatch(
        new RegExp(`${second.replace(/\./g, '\\.')}  "[^"]+"  \\(organization ${t.orgId}, created \\d{4}-\\d\\d-\\d\\d\\)\\n  no channels`),
      )
      // statistics: today's check-in and storage show on the last line of the app's 7 days
      const today = new Date().toISOString().slice(0, 10)
      expect(out).toContain(`statistics ${new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10)} → ${today}`)
      expect(out).toContain(`  ${today}  mau 1  storage 2.0 MB  bandwidth 0 B`)
      expect(out.split('\n').filter((l) => /^ {2}\d{4}-\d\d-\d\d {2}mau /.test(l))).toHaveLength(14)
    },
    SLOW,
  )

  it(
    'reports the contract error code of a refused key and exits non-zero',
    async () => {
      const run = await runExample({ CAPGO_URL: await listenUrl(), CAPGO_API_KEY: 'not-a-key' })
      expect(run.code).toBe(3)
      expect(run.stderr).toContain('capgo-api refused: invalid_apikey (HTTP 401)')
      expect(run.stdout).toBe('')
    },
    SLOW,
  )
})

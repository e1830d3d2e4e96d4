// The example app (apps/example) run as a user would: tsx src/main.ts against a live server.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { createClient } from '@capgo-api/client'
import { describe, expect, it } from 'vitest'
import { listenUrl, REPO_ROOT, SLOW } from './docs-helpers.ts'
import { createTenant, getApp } from './harness.ts'

const EXAMPLE = path.join(REPO_ROOT, 'apps/example')
const TSX = path.join(EXAMPLE, 'node_modules/.bin/tsx')

async function runExample(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['src/main.ts'], { cwd: EXAMPLE, env: { ...process.env, ...env }, timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (e: any) {
    if (typeof e.code !== 'number') throw e
    return { code: e.code as number, stdout: String(e.stdout), stderr: String(e.stderr) }
  }
}


describe('apps/example', () => {
  it('lists the apps and channels the key can see', async () => {
    const url = await listenUrl()
    const t = await createTenant()
    const second = await t.addApp()
    const { database } = await getApp()
    await database.db.bundle.create({ data: { app_id: t.appId, name: '1.4.0', owner_org: t.orgId, user_id: t.owner.userId, checksum: 'abc' } })
    const admin = createClient({ url, apiKey: t.keys.write })
    await admin.channel.upsert.mutate({ app_id: t.appId, channel: 'production', public: true, version: '1.4.0' })
    await admin.channel.upsert.mutate({ app_id: t.appId, channel: 'beta', ios: false })

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
    expect(out).toMatch(new RegExp(`${second.replace(/\./g, '\\.')}  "[^"]+"  \\(organization ${t.orgId}, created \\d{4}-\\d\\d-\\d\\d\\)\\n  no channels`))
    // STATISTICS: the lead adds the assertions on the printed statistics here after the merge.
  }, SLOW)

  it('reports the contract error code of a refused key and exits non-zero', async () => {
    const run = await runExample({ CAPGO_URL: await listenUrl(), CAPGO_API_KEY: 'not-a-key' })
    expect(run.code).toBe(3)
    expect(run.stderr).toContain('capgo-api refused: invalid_apikey (HTTP 401)')
    expect(run.stdout).toBe('')
  }, SLOW)
})

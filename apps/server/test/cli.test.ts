// The operator CLI, run as a child process against the test database, its keys checked over REST.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { main } from '../src/cli.ts'
import { createTenant, getApp, rest, uid } from './harness.ts'

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tsx = path.join(serverDir, 'node_modules', '.bin', 'tsx')

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['src/cli.ts', ...args],
      { cwd: serverDir, env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL }, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
      },
    )
  })
}

/** The same command line in this process (quicker: parsing and error paths). */
async function cliInProcess(...args: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await main(['node', 'cli.ts', ...args], {
    out: (t) => {
      stdout += t
    },
    err: (t) => {
      stderr += t
    },
  })
  return { code, stdout, stderr }
}

// child processes start slowly on a busy machine: a generous limit
describe('pnpm cli (operator tool)', { timeout: 120_000 }, () => {
  it('user:create makes a user with a working key in an organization (by id), printed once', async () => {
    const t = await createTenant()
    const email = `Ops-${uid()}@Example.com`
    const res = await cli('user:create', '--email', email, '--org', t.orgId, '--json')
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out).toMatchObject({
      email: email.toLowerCase(),
      org_id: t.orgId,
      role: 'super_admin',
      mode: 'all',
      key: expect.stringMatching(/^cap_/),
    })
    // the key works over REST with full rights in that organization
    expect((await rest('GET', '/organization', { key: out.key })).body.map((o: any) => o.id)).toEqual([t.orgId])
    expect((await rest('PUT', '/organization', { key: out.key, body: { orgId: t.orgId, name: 'rescued' } })).status).toBe(200)
    // only its hash is stored; listing shows it masked
    const list = await cli('key:list', '--email', email, '--json')
    const keys = JSON.parse(list.stdout)
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ id: out.key_id, mode: 'all' })
    expect(keys[0].key).not.toBe(out.key)
    const { database } = await getApp()
    expect(JSON.stringify(await database.db.apiKey.findUniqueOrThrow({ where: { id: out.key_id } }))).not.toContain(out.key)
  })

  it('user:create by organization name, with a role and mode; an invited user is accepted', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const org = await database.db.organization.findUniqueOrThrow({ where: { id: t.orgId } })
    const invited = await t.member('invite_write')
    const res = await cliInProcess('user:create', '--email', invited.email, '--org', org.name, '--role', 'read', '--mode', 'read')
    expect(res.code).toBe(0)
    const key = /^(cap_\S+)$/m.exec(res.stdout)?.[1]
    expect(key).toBeTruthy()
    expect(res.stdout).toContain('shown once')
    expect((await rest('GET', '/app', { key })).body.map((a: any) => a.app_id)).toEqual([t.appId])
    expect(await rest('POST', '/channel', { key, body: { app_id: t.appId, channel: 'x' } })).toMatchObject({
      status: 403,
      body: { error: 'insufficient_key_mode' },
    })
    expect((await database.db.orgMember.findFirstOrThrow({ where: { org_id: t.orgId, user_id: invited.userId } })).role).toBe('read')
  })

  it('user:create never changes the role of a member without --change-role', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const other = await t.member('super_admin')
    const role = async () => (await database.db.orgMember.findFirstOrThrow({ where: { org_id: t.orgId, user_id: t.owner.userId } })).role
    // a second super_admin exists, so demoting the owner is allowed, but only when asked
    const refused = await cliInProcess('user:create', '--email', t.owner.email, '--org', t.orgId, '--role', 'read')
    expect(refused).toMatchObject({ code: 1, stdout: '' })
    expect(refused.stderr).toBe(
      `error: ${t.owner.email} is already super_admin of "${(await database.db.organization.findUniqueOrThrow({ where: { id: t.orgId } })).name}": pass --role super_admin to keep it, or --change-role to make them read\n`,
    )
    expect(await role()).toBe('super_admin')
    // the same role: a new key, nothing else changes
    expect((await cliInProcess('user:create', '--email', other.email, '--org', t.orgId, '--role', 'super_admin')).code).toBe(0)
    const changed = await cliInProcess('user:create', '--email', t.owner.email, '--org', t.orgId, '--role', 'read', '--change-role')
    expect(changed.code).toBe(0)
    expect(await role()).toBe('read')
  })

  it('org:list lists organizations; key:revoke revokes a key at once', async () => {
    const t = await createTenant()
    const list = await cli('org:list', '--json')
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ id: t.orgId, members: 1, apps: 1 }))
    const text = await cliInProcess('org:list')
    expect(text.stdout).toContain(t.orgId)

    const key = await t.key()
    const { database } = await getApp()
    const row = (await database.db.apiKey.findMany({ where: { user_id: t.owner.userId }, orderBy: { id: 'desc' }, take: 1 }))[0]!
    expect((await rest('GET', '/app', { key })).status).toBe(200)
    const revoked = await cli('key:revoke', String(row.id))
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringContaining(`#${row.id} revoked`) })
    expect(await rest('GET', '/app', { key })).toMatchObject({ status: 401, body: { error: 'invalid_apikey' } })
    const again = await cliInProcess('key:revoke', String(row.id))
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`no API key #${row.id}`)
  })

  it('fails with an error on stderr and exit code 1 on bad input, changing nothing', async () => {
    const t = await createTenant()
    const { database } = await getApp()
    const emails = [1, 2, 3].map(() => `x-${uid()}@example.com`)
    const cases = [
      ['user:create', '--email', emails[0]!, '--org', `no-such-org-${uid()}`],
      ['user:create', '--email', 'not-an-email', '--org', t.orgId],
      ['user:create', '--email', emails[1]!, '--org', t.orgId, '--role', 'owner'],
      ['user:create', '--email', emails[2]!, '--org', t.orgId, '--mode', 'root'],
      ['user:create', '--email', t.owner.email, '--org', t.orgId, '--role', 'admin'], // last super_admin
      ['key:revoke', 'abc'],
      ['no-such-command'],
    ]
    for (const args of cases) {
      const res = await cliInProcess(...args)
      expect(res.code, args.join(' ')).toBe(1)
      expect(res.stderr, args.join(' ')).toMatch(/error/)
      expect(res.stdout).not.toMatch(/cap_/)
    }
    // the same through a real process: exit code 1 and the message on stderr
    const real = await cli('user:create', '--email', emails[0]!, '--org', `no-such-org-${uid()}`)
    expect(real).toMatchObject({ code: 1, stdout: '' })
    expect(real.stderr).toMatch(/^error: no organization with id or name "no-such-org-\w+" \(see org:list\)\n$/)
    expect(await database.db.user.count({ where: { email: { in: emails } } })).toBe(0)
    expect(await database.db.apiKey.count({ where: { user_id: t.owner.userId } })).toBe(4)
    expect((await database.db.orgMember.findFirstOrThrow({ where: { org_id: t.orgId, user_id: t.owner.userId } })).role).toBe('super_admin')
  })
})

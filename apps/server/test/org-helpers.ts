// Helpers of the organization, member and API key tests: arranging data only.
import { randomBytes } from 'node:crypto'
import { hashKey, type KeyMode } from '@capgo-api/api'
import { getApp } from './harness.ts'

/** A key for any user (e.g. one created by an invitation), straight into the database. */
export async function keyForUser(
  userId: string,
  opts: { mode?: KeyMode; limitedToOrgs?: string[]; limitedToApps?: string[]; expiresAt?: Date } = {},
) {
  const { database } = await getApp()
  const plain = `test_${randomBytes(18).toString('hex')}`
  const row = await database.db.apiKey.create({
    data: {
      key_hash: hashKey(plain),
      key_hint: 'test…',
      mode: opts.mode ?? 'all',
      user_id: userId,
      limited_to_orgs: JSON.stringify(opts.limitedToOrgs ?? []),
      limited_to_apps: JSON.stringify(opts.limitedToApps ?? []),
      expires_at: opts.expiresAt ?? null,
    },
  })
  return { plain, id: row.id }
}

/** One more organization of `user`, who is its super_admin, straight into the database. */
export async function extraOrg(user: { userId: string; email: string }, name: string) {
  const { database } = await getApp()
  return database.db.organization.create({
    data: {
      name,
      management_email: user.email,
      created_by: user.userId,
      members: { create: { user_id: user.userId, role: 'super_admin' } },
    },
  })
}

/** Fills an app with one of everything that hangs below it: bundle, channel, device, override, statistics. */
export async function fillApp(appId: string, orgId: string) {
  const { database } = await getApp()
  const db = database.db
  const bundle = await db.bundle.create({ data: { app_id: appId, name: '1.0.0', owner_org: orgId, size: 100 } })
  const channel = await db.channel.create({
    data: { app_id: appId, name: 'production', created_by: 'test', version_id: bundle.id, public: true },
  })
  await db.device.create({
    data: { app_id: appId, device_id: `dev-${randomBytes(4).toString('hex')}`, platform: 'ios', version_id: bundle.id },
  })
  await db.deviceOverride.create({ data: { app_id: appId, device_id: 'override-device', channel_id: channel.id } })
  await db.dailyStat.create({ data: { app_id: appId, date: '2026-01-01', mau_new: 1, bandwidth: 10n, storage_delta: 100n } })
  await db.deviceMonth.create({ data: { app_id: appId, month: '2026-01', device_id: 'override-device' } })
}

/** Every row that belongs to the apps or the organization, counted table by table. */
export async function rowsOf(orgId: string, appIds: string[]) {
  const { database } = await getApp()
  const db = database.db
  const byApp = { app_id: { in: appIds } }
  return {
    organization: await db.organization.count({ where: { id: orgId } }),
    members: await db.orgMember.count({ where: { org_id: orgId } }),
    apps: await db.app.count({ where: { OR: [{ owner_org: orgId }, byApp] } }),
    bundles: await db.bundle.count({ where: { OR: [{ owner_org: orgId }, byApp] } }),
    channels: await db.channel.count({ where: byApp }),
    devices: await db.device.count({ where: byApp }),
    overrides: await db.deviceOverride.count({ where: byApp }),
    stats: await db.dailyStat.count({ where: byApp }),
    months: await db.deviceMonth.count({ where: byApp }),
  }
}

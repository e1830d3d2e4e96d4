// `pnpm db:seed`: a demo organization with apps, bundles, channels, devices and 90 days of
// events (check-ins, downloads, bundle uploads and deletions) recorded through the same
// writers as the live endpoints (check-ins through the check-in writer), so the statistics and their charts show real data.
// Idempotent: the data is created once; a later run only issues a fresh demo key.
import { hashKey } from '../packages/api/src/access.ts'
import { bootstrap } from '../packages/api/src/bootstrap.ts'
import { newApiKey } from '../packages/api/src/domains/apikey/keys.ts'
import { recordBandwidth, recordStorage } from '../packages/api/src/infra/daily-stats.ts'
import { dayOf } from '../packages/api/src/infra/days.ts'
import { createServices, type Services } from '../packages/api/src/services.ts'
import { createDb } from '../packages/db/src/index.ts'
import { applyMigrations, MigrationError } from '../packages/db/src/migrate.ts'
import { resolveDatabaseUrl } from '../packages/db/src/paths.ts'

const DEMO_EMAIL = 'demo@capgo.local'
const DEMO_ORG = 'Demo organization'
const KEY_NAME = 'demo seed'
const DAYS = 90

const APPS = [
  { app_id: 'com.demo.weather', name: 'Weather', devices: 320, activity: 0.45, bundleMb: 18 },
  { app_id: 'com.demo.shop', name: 'Shop', devices: 180, activity: 0.3, bundleMb: 32 },
  { app_id: 'com.demo.notes', name: 'Notes', devices: 70, activity: 0.55, bundleMb: 7 },
]

/** A small deterministic generator (mulberry32), so every seeded demo looks the same. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function seedApp(services: Services, orgId: string, userId: string, spec: (typeof APPS)[number], start: Date, rnd: () => number) {
  const { db } = services
  const day = (i: number) => new Date(start.getTime() + i * 86_400_000 + Math.floor(rnd() * 10) * 3_600_000 + 8 * 3_600_000)
  await db.app.create({ data: { app_id: spec.app_id, name: spec.name, owner_org: orgId } })

  // a release every ~12 days; old ones are deleted once three newer exist
  const releases: { id: number; name: string; size: number; day: number }[] = []
  const releaseDays = [0, ...Array.from({ length: 7 }, (_, k) => 8 + k * 12 + Math.floor(rnd() * 4))]
  const channel = await db.channel.create({ data: { app_id: spec.app_id, name: 'production', created_by: userId, public: true } })

  // devices join over the period (a ramp), then check in on a share of the days
  const devices = Array.from({ length: spec.devices }, (_, k) => ({
    id: `demo-${spec.app_id.split('.').at(-1)}-${String(k).padStart(4, '0')}`,
    platform: rnd() < 0.55 ? 'ios' : 'android',
    joins: Math.floor(rnd() ** 0.7 * (DAYS - 5)),
    activity: spec.activity * (0.5 + rnd()),
    version: -1,
    last: -1,
  }))

  const deviceFields = (d: (typeof devices)[number]) => ({
    platform: d.platform,
    plugin_version: '6.14.0',
    os_version: d.platform === 'ios' ? '17.5' : '14',
    version_build: '1.0.0',
    version_id: releases[d.version]!.id,
    version_name: releases[d.version]!.name,
  })
  const seenToday: (typeof devices)[number][] = []
  let downloads = 0
  for (let i = 0; i < DAYS; i++) {
    const at = day(i)
    await db.$transaction(async (tx) => {
      if (releaseDays.includes(i)) {
        const name = `1.${releases.length}.0`
        const size = Math.round(spec.bundleMb * (0.85 + rnd() * 0.3) * 1_000_000)
        const b = await tx.bundle.create({
          data: {
            app_id: spec.app_id,
            name,
            owner_org: orgId,
            user_id: userId,
            size,
            checksum: `demo${releases.length}`,
            external_url: `https://example.com/${spec.app_id}/${name}.zip`,
            created_at: at,
          },
          select: { id: true },
        })
        await recordStorage(tx, spec.app_id, size, at)
        releases.push({ id: b.id, name, size, day: i })
        await tx.channel.update({ where: { id: channel.id }, data: { version_id: b.id } })
        const old = releases.length > 3 ? releases[releases.length - 4]! : null
        if (old) {
          await tx.bundle.update({ where: { id: old.id }, data: { deleted: true, deleted_at: at } })
          await recordStorage(tx, spec.app_id, -old.size, at)
        }
      }
      const latest = releases.length - 1
      // weekends are quieter
      const weekday = at.getUTCDay()
      const mood = weekday === 0 || weekday === 6 ? 0.7 : 1
      for (const d of devices) {
        if (i < d.joins || rnd() > d.activity * mood) continue
        seenToday.push(d)
        d.last = i
        if (d.version < latest) {
          d.version = latest
          downloads++
          await recordBandwidth(tx, spec.app_id, releases[latest]!.size, at)
        }
      }
    })
    // the day's check-ins, through the check-in writer as /updates records them (device rows and MAU)
    await Promise.all(seenToday.splice(0).map((d) => services.checkins.seen(spec.app_id, d.id, at, deviceFields(d))))
  }

  return { bundles: releases.length, devices: devices.filter((d) => d.last >= 0).length, downloads }
}

/** SQLite's lock was not released within the busy timeout (Prisma reports it as a timeout). */
function isBusy(e: unknown) {
  return /SocketTimeout|SQLITE_BUSY|database is locked|P1008/.test(`${(e as { code?: string })?.code ?? ''} ${(e as Error)?.message ?? ''}`)
}

async function main() {
  // resolved as the server resolves it: a relative path is relative to where the command ran
  const url = resolveDatabaseUrl(process.env)
  await applyMigrations(url)
  const database = await createDb(url)
  const { db } = database
  const services = createServices(database)
  try {
    // on an empty database, do first what the server's first start does (or the demo user
    // would keep it from ever creating the admin and "Default organization")
    const boot = await bootstrap(db, { apiKey: process.env.CAPGO_BOOTSTRAP_API_KEY || undefined })
    if (boot?.generatedKey)
      console.log(
        `  Empty database: created the admin and "Default organization". Admin API key (mode "all", shown once): ${boot.generatedKey}`,
      )
    let user = await db.user.findUnique({ where: { email: DEMO_EMAIL } })
    let org = user ? await db.organization.findFirst({ where: { name: DEMO_ORG, created_by: user.id } }) : null
    const fresh = !org
    if (!org) {
      const taken = await db.app.findMany({ where: { app_id: { in: APPS.map((a) => a.app_id) } }, select: { app_id: true } })
      if (taken.length)
        throw new Error(`the demo app ids are already used by other organizations: ${taken.map((a) => a.app_id).join(', ')}`)
      user ??= await db.user.create({ data: { email: DEMO_EMAIL, name: 'Demo user' } })
      org = await db.organization.create({
        data: {
          name: DEMO_ORG,
          management_email: DEMO_EMAIL,
          created_by: user.id,
          members: { create: { user_id: user.id, role: 'super_admin' } },
        },
      })
      const end = new Date()
      const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() - (DAYS - 1)))
      const rnd = random(20_26)
      for (const spec of APPS) {
        const r = await seedApp(services, org.id, user.id, spec, start, rnd)
        console.log(`  ${spec.app_id}: ${r.bundles} bundles, ${r.devices} devices, ${r.downloads} downloads`)
      }
    }
    // the first admin (created at the server's first start) may see the demo too
    const admin = await db.user.findFirst({ where: { email: 'admin@localhost' } })
    if (admin) {
      await db.orgMember.upsert({
        where: { org_id_user_id: { org_id: org.id, user_id: admin.id } },
        create: { org_id: org.id, user_id: admin.id, role: 'admin' },
        update: {},
      })
    }
    // a fresh key on each run (the plaintext of an earlier one cannot be shown again), or CAPGO_DEMO_API_KEY
    const wanted = process.env.CAPGO_DEMO_API_KEY || undefined
    const key = newApiKey(wanted)
    await db.apiKey.deleteMany({ where: { user_id: user!.id, name: KEY_NAME, key_hash: { not: hashKey(key.plain) } } })
    await db.apiKey.upsert({
      where: { key_hash: key.key_hash },
      create: { key_hash: key.key_hash, key_hint: key.key_hint, mode: 'all', name: KEY_NAME, user_id: user!.id },
      update: {},
    })

    const to = dayOf(new Date())
    const from = dayOf(new Date(Date.now() - (DAYS - 1) * 86_400_000))
    const q = `from=${from}&to=${to}`
    console.log(`
${fresh ? 'Demo data created' : 'Demo data already present (left as is)'}: "${DEMO_ORG}" (${org.id}), apps ${APPS.map((a) => a.app_id).join(', ')}, ${DAYS} days up to ${to}.
${admin ? `The first admin (${admin.email}) is a member too: the bootstrap key sees it as well.\n` : ''}
  Demo API key (mode "all"): ${key.plain}

Try it (with the server running: pnpm start):
  curl -H "authorization: ${key.plain}" "http://127.0.0.1:3000/statistics/org/${org.id}?${q}"
  curl -H "authorization: ${key.plain}" "http://127.0.0.1:3000/statistics/org/${org.id}?${q}&graph=mau" -o mau.svg
  curl -H "authorization: ${key.plain}" "http://127.0.0.1:3000/statistics/app/com.demo.weather?${q}&graph=bandwidth" -o bandwidth.svg
  curl -H "authorization: ${key.plain}" "http://127.0.0.1:3000/statistics/user?${q}&graph=storage" -o storage.svg
`)
  } finally {
    await db.$disconnect()
  }
}

try {
  await main()
} catch (e) {
  if (!(e instanceof MigrationError) && !isBusy(e)) throw e
  console.error(
    `error: ${e instanceof MigrationError ? e.message : 'the database stayed locked by another process for 10 s; run the command again'}`,
  )
  process.exitCode = 1
}

// Faults, through the built server as `pnpm start` runs it (process/server.ts): killed with
// SIGKILL during a write load it restarts with a sound database and every acknowledged write; a
// PostgreSQL that goes away mid-load (a TCP proxy we cut, process/tcp-proxy.ts) never kills it:
// it answers 503 `database_unavailable` meanwhile, 200 again once the database is back, and
// every write it answered 200 is in the database; many writers on one app never get a 500.
import { createDb } from '@capgo-api/db'
import { describe, expect, it } from 'vitest'
import { type Answer, call, checkInBody, countBy, onPostgres, runUrl, serverOn, sleep } from './faults-helpers.ts'
import { isolatedDatabase, uid } from './harness.ts'
import { startServer } from './process/server.ts'
import { tcpProxy } from './process/tcp-proxy.ts'
import { uuidOf } from './uuid.ts'

/** PRAGMA integrity_check on a fresh connection, closed afterwards. */
async function integrityCheck(url: string) {
  const { db } = await createDb(url)
  try {
    const rows: { integrity_check: string }[] = await db.$queryRawUnsafe('PRAGMA integrity_check')
    return rows.map((r) => r.integrity_check).join('; ')
  } finally {
    await db.$disconnect()
  }
}

describe('faults', () => {
  it(`SIGKILL during a write load: restart, ${onPostgres ? 'PostgreSQL' : 'SQLite integrity_check ok'}, every acknowledged write kept`, async () => {
    const { url, database } = await isolatedDatabase()
    const key = `crash_${uid()}${uid()}`
    const env = { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: key, RATE_LIMIT_MAX: '0' }
    const first = await startServer({ env })
    const appId = `com.crash${uid()}.app`
    expect((await call(first.base, 'POST', '/app', key, { app_id: appId, name: 'Crash' })).status).toBe(200)

    // 6 writers, each creating channels one after another; an answered 200 is an acknowledged write
    const acked: string[] = []
    let stop = false
    let n = 0
    const writer = async () => {
      while (!stop) {
        const name = `c${n++}`
        try {
          const r = await call(first.base, 'POST', '/channel', key, { app_id: appId, channel: name, public: n % 3 === 0 })
          if (r.status === 200) acked.push(name)
          else if (!stop) throw new Error(`write answered ${r.status}: ${JSON.stringify(r.body)}`)
        } catch (e) {
          if (!stop) throw e
        }
      }
    }
    const writers = Array.from({ length: 6 }, writer)
    const started = Date.now()
    while (acked.length < 60 && Date.now() - started < 20_000) await sleep(20)
    first.child.kill('SIGKILL') // mid-load: writers have requests in flight
    stop = true
    await Promise.allSettled(writers)
    expect(await first.exited).toBeNull() // killed by a signal, no exit code
    expect(acked.length).toBeGreaterThanOrEqual(60)

    // (the test's own connection is closed: the restarted server must open the file alone, as in production)
    await database.db.$disconnect()
    if (database.provider === 'sqlite') expect(await integrityCheck(url)).toBe('ok')

    // restart on the same database: it comes back and has every acknowledged write
    const second = await startServer({ env })
    const list = await call(second.base, 'GET', `/channel?app_id=${appId}&limit=1000`, key)
    expect(list.status).toBe(200)
    const stored = new Set((list.body as { name: string }[]).map((c) => c.name))
    expect(acked.filter((a) => !stored.has(a))).toEqual([])
    // and it still keeps its invariants: at most one default channel per platform
    const publics = (list.body as { public: boolean; ios: boolean; android: boolean }[]).filter((c) => c.public)
    expect(publics.filter((c) => c.ios).length).toBeLessThanOrEqual(1)

    // SIGTERM: a clean exit
    expect(await second.stop('SIGTERM')).toBe(0)
    if (database.provider === 'sqlite') expect(await integrityCheck(url)).toBe('ok')
  }, 120_000)

  it('many writers on one app: no 500 (200, or 503 with Retry-After), one row per channel name, one default per platform', async () => {
    // on PostgreSQL through a proxy adding 2 ms each way, as a database on another machine: each
    // transaction holds the app's lock a few round trips, so 200 of them queue for seconds
    const upstream = onPostgres ? new URL(runUrl) : undefined
    const { server, key, appId, database } = await serverOn(
      upstream ? await tcpProxy(upstream.hostname, Number(upstream.port || 5432), { latencyMs: 2 }) : undefined,
    )
    let t0 = Date.now()
    const publicRace = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call(server.base, 'POST', '/channel', key, { app_id: appId, channel: `p${i}`, public: true })),
    )
    const publicMs = Date.now() - t0
    t0 = Date.now()
    const upsertRace = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call(server.base, 'POST', '/channel', key, { app_id: appId, channel: 'one', allow_dev: i % 2 === 0 }),
      ),
    )
    const counts = { publicRace: countBy(publicRace), publicMs, upsertRace: countBy(upsertRace), upsertMs: Date.now() - t0 }
    for (const r of [...publicRace, ...upsertRace]) {
      expect([200, 503], JSON.stringify({ counts, body: r.body })).toContain(r.status)
      if (r.status === 503) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    const rows = await database.db.channel.findMany({
      where: { app_id: appId },
      select: { name: true, public: true, ios: true, android: true },
    })
    // every acknowledged channel exists, once; at most one default per platform
    const names = rows.map((r) => r.name)
    expect(names.length).toBe(new Set(names).size)
    expect(publicRace.flatMap((r, i) => (r.status === 200 && !names.includes(`p${i}`) ? [`p${i}`] : []))).toEqual([])
    expect(names.filter((n) => n === 'one').length).toBe(upsertRace.some((r) => r.status === 200) ? 1 : 0)
    expect(rows.filter((r) => r.public && r.ios).length).toBeLessThanOrEqual(1)
    expect(rows.filter((r) => r.public && r.android).length).toBeLessThanOrEqual(1)
    // the server must not merely shed the load: most writers get through
    expect(publicRace.filter((r) => r.status === 200).length, JSON.stringify(counts)).toBeGreaterThanOrEqual(100)
    expect(upsertRace.filter((r) => r.status === 200).length, JSON.stringify(counts)).toBeGreaterThanOrEqual(50)
  }, 180_000)

  if (onPostgres) {
    it('PostgreSQL cut mid-load: the process lives, 503 database_unavailable meanwhile, 200 after, no acknowledged write lost', async () => {
      const upstream = new URL(runUrl)
      const proxy = await tcpProxy(upstream.hostname, Number(upstream.port || 5432))
      const { server, key, appId, database } = await serverOn(proxy)

      // six devices check in over and over (custom_id: the request's sequence number), six new devices a round,
      // and two writers create channels; every answer is kept with when it was asked and answered
      type Sent = Answer & { kind: 'checkin' | 'channel' | 'trpc'; what: string; seq: number; sentAt: number; doneAt: number }
      const answers: Sent[] = []
      let phase: 'before' | 'cut' | 'after' = 'before'
      let stop = false
      let seq = 0
      const send = async (kind: Sent['kind'], what: string, req: (s: string) => Promise<Answer>) => {
        const sentAt = Date.now()
        const s = seq++
        const a = await req(String(s).padStart(8, '0'))
        answers.push({ ...a, kind, what, seq: s, sentAt, doneAt: Date.now() })
        return a
      }
      const deviceWorker = async (w: number) => {
        for (let i = 0; !stop && i < 5000; i++) {
          await send('checkin', `dev-${w}`, (s) => call(server.base, 'POST', '/updates', undefined, checkInBody(appId, `dev-${w}`, s)))
          await send('checkin', `new-${w}-${i}`, (s) =>
            call(server.base, 'POST', '/updates', undefined, checkInBody(appId, `new-${w}-${i}`, s)),
          )
          if (phase === 'cut') await sleep(20) // no busy loop on fast 503s
        }
      }
      const channelWorker = async (w: number) => {
        for (let i = 0; !stop && i < 5000; i++) {
          await send('channel', `ch-${w}-${i}`, () =>
            call(server.base, 'POST', '/channel', key, { app_id: appId, channel: `ch-${w}-${i}`, public: i % 5 === 0 }),
          )
          if (phase === 'cut') await sleep(20)
        }
      }
      // and an internal app reads the channels over tRPC (its answers go through tRPC's adapter)
      const trpcRead = `/trpc/channel.get?input=${encodeURIComponent(JSON.stringify({ app_id: appId }))}`
      const trpcWorker = async () => {
        for (let i = 0; !stop && i < 5000; i++) {
          await send('trpc', `read-${i}`, () => call(server.base, 'GET', trpcRead, key))
          await sleep(phase === 'cut' ? 20 : 5)
        }
      }
      const workers = [
        ...Array.from({ length: 6 }, (_, w) => deviceWorker(w)),
        ...Array.from({ length: 2 }, (_, w) => channelWorker(w)),
        trpcWorker(),
      ]
      const done = Promise.allSettled(workers)
      const okCount = () => answers.filter((a) => a.status === 200).length
      const until = async (what: () => boolean, ms: number) => {
        const deadline = Date.now() + ms
        while (!what() && Date.now() < deadline && server.child.exitCode === null) await sleep(50)
      }

      await until(() => okCount() >= 100, 30_000)
      const beforeCut = okCount()
      // cut while the check-in writer is inside a batch (its upsert on the way): the connection it
      // checked out dies under it
      phase = 'cut'
      await proxy.cutAtNext('INSERT INTO "Device"')
      const cutAt = Date.now()
      await until(() => answers.filter((a) => a.sentAt > cutAt + 500).length >= 60, 20_000)
      await sleep(1000)
      const restoreAt = Date.now()
      await proxy.restore()
      phase = 'after'
      await until(
        () =>
          answers.filter((a) => a.sentAt > restoreAt && a.status === 200 && a.kind === 'checkin').length >= 60 &&
          answers.filter((a) => a.sentAt > restoreAt && a.status === 200 && a.kind === 'channel').length >= 10,
        60_000,
      )
      stop = true
      const settled = await done
      // the process lived through it
      const output = server.stderr() + server.stdout()
      expect(server.child.exitCode, output).toBeNull()
      expect(server.child.signalCode, output).toBeNull()
      expect(output).not.toMatch(/Unhandled|uncaught/i)
      expect(settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([])

      const during = answers.filter((a) => a.sentAt > cutAt + 500 && a.doneAt < restoreAt)
      const after = answers.filter((a) => a.sentAt > restoreAt)
      const report = { beforeCut, during: countBy(during), after: countBy(after), all: countBy(answers) }
      // every answer is a success or the database's 503, never a 500
      for (const a of answers) {
        expect([200, 503], JSON.stringify({ report, a: { ...a, headers: undefined } })).toContain(a.status)
        if (a.status === 503) {
          if (a.kind === 'trpc') expect(a.body.error).toMatchObject({ status: 'KO', error: 'database_unavailable' })
          else expect(a.body).toEqual({ status: 'KO', error: 'database_unavailable', message: expect.any(String) })
          expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0)
        }
      }
      // while the database is away, nothing is acknowledged (device check-ins and management alike)
      expect(during.length).toBeGreaterThanOrEqual(60)
      expect(during.filter((a) => a.status !== 503).length, JSON.stringify(report)).toBe(0)
      expect(during.some((a) => a.kind === 'channel')).toBe(true)
      expect(during.some((a) => a.kind === 'trpc')).toBe(true)
      // and once it is back, both succeed again
      expect(after.filter((a) => a.kind === 'checkin' && a.status === 200).length, JSON.stringify(report)).toBeGreaterThanOrEqual(60)
      expect(after.filter((a) => a.kind === 'channel' && a.status === 200).length, JSON.stringify(report)).toBeGreaterThanOrEqual(10)
      expect(after.filter((a) => a.kind === 'trpc' && a.status === 200).length, JSON.stringify(report)).toBeGreaterThan(0)

      // every acknowledged write is in the database (read directly, not through the proxy)
      const acked = answers.filter((a) => a.status === 200)
      const devices = await database.db.device.findMany({ where: { app_id: appId }, select: { device_id: true, custom_id: true } })
      const customOf = new Map(devices.map((d) => [d.device_id, d.custom_id]))
      const customOfLabel = (label: string) => customOf.get(uuidOf(label))
      // a new device answered 200 exists
      expect(acked.filter((a) => a.what.startsWith('new-') && customOfLabel(a.what) === undefined).map((a) => a.what)).toEqual([])
      // a device checked in again holds its last acknowledged check-in (or a later one, answered or not)
      for (let w = 0; w < 6; w++) {
        const last = acked.filter((a) => a.what === `dev-${w}`).at(-1)
        expect(last).toBeDefined()
        expect(
          customOfLabel(`dev-${w}`)! >= String(last!.seq).padStart(8, '0'),
          `dev-${w}: ${customOfLabel(`dev-${w}`)} < ${last!.seq}`,
        ).toBe(true)
      }
      const channels = new Set(
        (await database.db.channel.findMany({ where: { app_id: appId }, select: { name: true } })).map((c) => c.name),
      )
      expect(acked.filter((a) => a.kind === 'channel' && !channels.has(a.what)).map((a) => a.what)).toEqual([])
    }, 180_000)
  }
})

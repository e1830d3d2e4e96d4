// `pnpm bench [--quick] [--db sqlite|postgres|all|none] [--only <text>] [--rounds n] [--node-flags "<flags>"] [--cpu-prof]`:
// builds a dataset, starts the production server, drives it with autocannon and prints each
// figure as a ratio against a baseline measured in the same run (bare routes of the same process
// running the same functions). Runs alternate (bare, measured, bare, measured, …) and a ratio is
// the median over the rounds of each round's own ratio: the machine is shared and its speed
// drifts, which a round's pair shares. Not part of `pnpm test`.
import { execFileSync, fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { applyMigrations } from '@capgo-api/db/migrate'
import autocannon from 'autocannon'
import pg from 'pg'
import { BENCH_KEY, buildDataset, checkInInfo, DEVICE_APP, deviceId, STATS_ORG, statsBatch } from './dataset.ts'
import { benchHosting } from './hosting.ts'
import { manifestBench } from './manifest.ts'

const args = process.argv.slice(2)
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const quick = args.includes('--quick')
const dbArg = opt('--db') ?? 'all'
const only = opt('--only')
const cpuProf = args.includes('--cpu-prof')
const PG_BASE = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const DURATION = quick ? 2 : 6
const ROUNDS = Number(opt('--rounds') ?? (quick ? 1 : 3))
const CONNECTIONS = 32
const DEVICES = quick ? 200_000 : 1_000_000
/** check-ins go to this many distinct devices per run (a fresh slice of the dataset each run) */
const UPDATE_DEVICES = 100_000
const PAGE = 50
/** events in one /stats request: the plugin flushes up to 200 at a time */
const STATS_BATCH = 200
/** devices whose batches the /stats line sends (the last ones of the dataset) */
const STATS_DEVICES = 256
const serverDir = path.join(import.meta.dirname, '..')

// The server runs with the V8 flags of `pnpm start` (apps/server/package.json), unless told otherwise.
const startScript: string = JSON.parse(fs.readFileSync(path.join(serverDir, 'package.json'), 'utf8')).scripts.start
// …and the environment it sets (MALLOC_ARENA_MAX)
const START_ENV = Object.fromEntries([...startScript.matchAll(/\b([A-Z_]+)=(\S+) node\b/g)].map((m) => [m[1]!, m[2]!]))
const NODE_FLAGS = (opt('--node-flags') ?? startScript.match(/--max-[\w-]+=\d+/g)?.join(' ') ?? '').split(/\s+/).filter(Boolean)

interface Row {
  db: string
  what: string
  value: string
  baseline: string
  ratio: number
  target: string
  /** undefined: a figure the issue sets no target for, shown for information */
  pass?: boolean
}

async function freshDatabase(kind: 'sqlite' | 'postgres') {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-bench-'))
    return { url: `file:${path.join(dir, 'bench.db')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) }
  }
  const name = `bench_${process.pid}`
  const admin = new pg.Client({ connectionString: PG_BASE })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  await admin.query(`CREATE DATABASE "${name}"`)
  const u = new URL(PG_BASE)
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.end()
    },
  }
}

function startServer(url: string, kind: string, storageDir: string) {
  // the production build (pnpm start runs the same bundle), plus the bare baseline routes
  const profDir = path.join(serverDir, 'bench-profiles')
  const child = fork(path.join(serverDir, 'dist/bench-server.mjs'), [], {
    env: { ...process.env, ...START_ENV, DATABASE_URL: url, STORAGE_URL: `file:${storageDir}`, NODE_ENV: 'production' },
    execArgv: [
      ...NODE_FLAGS,
      '--enable-source-maps',
      ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let maxRss = 0
  const sampler = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))
      if (m) maxRss = Math.max(maxRss, Number(m[1]) * 1024)
    } catch {}
  }, 100)
  const ready = new Promise<string>((resolve, reject) => {
    child.once('message', (m: { address: string }) => resolve(m.address))
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  return {
    ready,
    maxRss: () => maxRss,
    stop: async () => {
      clearInterval(sampler)
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      if (cpuProf) console.log(`[${kind}] CPU profile in ${profDir} (open it in Chrome DevTools → Performance)`)
    },
  }
}

interface Result {
  rps: number
  mean: number
  p50: number
  p99: number
}

const headers = { authorization: BENCH_KEY, 'content-type': 'application/json' }

async function load(base: string, p: string, extra: Partial<autocannon.Options> = {}): Promise<Result> {
  const r = await autocannon({ url: base + p, connections: CONNECTIONS, duration: DURATION, headers, ...extra })
  await fetch(`${base}/__bare/idle`) // the server has finished what the run sent before the next run starts
  const bad = r.non2xx + r.errors + r.timeouts
  if (bad) throw new Error(`${p}: ${bad} failed requests (non2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`)
  return { rps: r.requests.average, mean: r.latency.average, p50: r.latency.p50, p99: r.latency.p99 }
}

async function warm(base: string, p: string) {
  await autocannon({ url: base + p, connections: 4, amount: quick ? 60 : 300, headers })
}

const verdict = (pass?: boolean) => (pass === undefined ? '' : pass ? 'ok' : 'MISSED')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2))
const wanted = (what: string) => !only || what.toLowerCase().includes(only.toLowerCase())

/**
 * Runs `runs` alternately `ROUNDS` times, in a rotating order: the median result of each (by throughput), and
 * `ratio(i, j, f)`, the median over the rounds of f(run i) / f(run j) measured in the same round.
 */
async function alternate(runs: (() => Promise<Result>)[]) {
  const all: Result[][] = runs.map(() => [])
  // each round starts one run later (bare, REST, tRPC; REST, tRPC, bare; …): no line always runs last
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < runs.length; k++) {
      const i = (k + r) % runs.length
      all[i]![r] = await runs[i]!()
    }
  }
  const medians = all.map((rs) => {
    const rps = median(rs.map((x) => x.rps))
    return rs.find((x) => x.rps === rps)!
  })
  const ratio = (i: number, j: number, f: (r: Result) => number) => median(all[i]!.map((x, r) => f(x) / f(all[j]![r]!)))
  return Object.assign(medians, { ratio })
}

async function benchDatabase(kind: 'sqlite' | 'postgres'): Promise<Row[]> {
  const { url, drop } = await freshDatabase(kind)
  const rows: Row[] = []
  const row = (r: Omit<Row, 'db'>) => {
    rows.push({ db: kind, ...r })
    console.log(`[${kind}] ${r.what}: ${r.value} vs ${r.baseline} → ${r.ratio.toFixed(2)}× (${r.target}) ${verdict(r.pass)}`)
  }
  try {
    await applyMigrations(url)
    const t0 = Date.now()
    const data = await buildDataset(url, DEVICES)
    console.log(
      `[${kind}] dataset: ${DEVICES.toLocaleString('en-US')} devices, 100 apps × ${data.statsDays} days of statistics in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    )
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-bench-bundles-'))
    const server = startServer(url, kind, storageDir)
    const base = await server.ready
    try {
      // ---- throughput against the bare route ----
      const throughput = async (bare: string, measured: [string, string][]) => {
        const todo = measured.filter(([what]) => wanted(what))
        if (!todo.length) return
        for (const p of [bare, ...todo.map(([, p]) => p)]) await warm(base, p)
        const results = await alternate([
          () => load(base, bare),
          ...todo.map(
            ([, p]) =>
              () =>
                load(base, p),
          ),
        ])
        const [b, ...ms] = results
        todo.forEach(([what], i) => {
          const m = ms[i]!
          const ratio = results.ratio(i + 1, 0, (r) => r.rps)
          row({ what, value: `${fmt(m.rps)} req/s`, baseline: `${fmt(b!.rps)} req/s (bare)`, ratio, target: '≥ 0.8×', pass: ratio >= 0.8 })
        })
      }
      const trpc = (proc: string, input: unknown) => `/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`
      const q = `?app_id=${DEVICE_APP}`
      await throughput(`/__bare/channel${q}`, [
        ['REST GET /channel', `/channel${q}`],
        ['tRPC channel.get', trpc('channel.get', { app_id: DEVICE_APP })],
      ])
      await throughput(`/__bare/device${q}`, [
        ['REST GET /device (page 1)', `/device${q}`],
        ['tRPC device.get (page 1)', trpc('device.get', { app_id: DEVICE_APP })],
      ])

      // ---- a deep device page against page 1 (latency, one connection) ----
      if (wanted('device page')) {
        const page = Math.floor(DEVICES / PAGE)
        // the last row of the previous page: device i has updated_at = base - i ms
        const last = (page - 1) * PAGE - 1
        const cursor = `${new Date(data.baseTime - last).toISOString()}|${deviceId(last)}`
        const deep = `/device${q}&cursor=${encodeURIComponent(cursor)}`
        const body = (await (await fetch(base + deep, { headers })).json()) as { data: { device_id: string }[] }
        if (body.data.length !== PAGE || body.data[0]!.device_id !== deviceId(last + 1))
          throw new Error(`page ${page} is not rows ${last + 1}…: ${JSON.stringify(body).slice(0, 200)}`)
        await warm(base, deep)
        const pages = await alternate([() => load(base, `/device${q}`, { connections: 1 }), () => load(base, deep, { connections: 1 })])
        const [p1, pN] = pages
        const ratio = pages.ratio(1, 0, (r) => r.mean)
        row({
          what: `REST device page ${page.toLocaleString('en-US')} of ${DEVICES.toLocaleString('en-US')} (latency)`,
          value: `${pN!.mean.toFixed(2)} ms`,
          baseline: `${p1!.mean.toFixed(2)} ms (page 1)`,
          ratio,
          target: '≤ 1.5×',
          pass: ratio <= 1.5,
        })
      }

      // ---- statistics: 366 days × 100 apps ----
      if (wanted('statistics')) {
        const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
        const range = `?from=${day(data.baseTime - (data.statsDays - 1) * 86_400_000)}&to=${day(data.baseTime)}`
        const measured = `/statistics/org/${STATS_ORG}${range}`
        const bare = `/__bare/statistics/org/${STATS_ORG}${range}`
        const [a, b] = await Promise.all([
          fetch(base + measured, { headers }).then((r) => r.json()),
          fetch(base + bare, { headers }).then((r) => r.json()),
        ])
        if (JSON.stringify(a) !== JSON.stringify(b) || (a as unknown[]).length !== data.statsDays)
          throw new Error('statistics: the bare and the REST answers differ')
        await warm(base, measured)
        await warm(base, bare)
        const stats = await alternate([() => load(base, bare, { connections: 1 }), () => load(base, measured, { connections: 1 })])
        const [sb, sm] = stats
        row({
          what: `REST GET /statistics/org (${data.statsDays} days × 100 apps)`,
          value: `${sm!.mean.toFixed(1)} ms (p99 ${sm!.p99} ms)`,
          baseline: `${sb!.mean.toFixed(1)} ms (bare)`,
          ratio: stats.ratio(1, 0, (r) => r.mean),
          target: '≤ 50 ms',
          pass: sm!.mean <= 50,
        })
      }

      // ---- POST /updates: check-ins of UPDATE_DEVICES distinct devices per run; POST /stats in the same rounds ----
      const withStats = wanted('/stats')
      if (wanted('updates') || withStats) {
        let slice = 0
        const checkIns = (p: string) => () => {
          const first = (slice++ * UPDATE_DEVICES) % DEVICES
          let i = 0
          return load(base, p, {
            method: 'POST',
            requests: [
              {
                method: 'POST',
                setupRequest: (req) => ({
                  ...req,
                  body: JSON.stringify(checkInInfo(DEVICE_APP, deviceId(first + (i++ % UPDATE_DEVICES)))),
                }),
              },
            ],
          })
        }
        // the plugin's flush: one device's queue of STATS_BATCH events a request, from STATS_DEVICES devices
        // (bodies made before the run, so the load generator's JSON work is not measured)
        const batches = Array.from({ length: STATS_DEVICES }, (_, k) =>
          JSON.stringify(statsBatch(DEVICE_APP, deviceId(DEVICES - 1 - k), STATS_BATCH)),
        )
        let b = 0
        const statsRun = () =>
          load(base, '/stats', {
            method: 'POST',
            requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: batches[b++ % batches.length] }) }],
          })
        const probe = await (
          await fetch(`${base}/updates`, { method: 'POST', headers, body: JSON.stringify(checkInInfo(DEVICE_APP, deviceId(DEVICES))) })
        ).json()
        if ((probe as { version?: string }).version !== '1.0.19')
          throw new Error(`/updates does not serve an update: ${JSON.stringify(probe)}`)
        if (withStats) {
          const res = await fetch(`${base}/stats`, { method: 'POST', headers, body: batches[0] })
          if (res.status !== 200) throw new Error(`/stats answers ${res.status}: ${(await res.text()).slice(0, 300)}`)
        }
        const updates = await alternate([checkIns('/__bare/updates'), checkIns('/updates'), ...(withStats ? [statsRun] : [])])
        const [ub, um, sm] = updates
        if (wanted('updates')) {
          const ratio = updates.ratio(1, 0, (r) => r.rps)
          // the target for check-ins is absolute (next line); this ratio shows what the layers cost
          row({
            what: `REST POST /updates (${UPDATE_DEVICES.toLocaleString('en-US')} devices) vs bare`,
            value: `${fmt(um!.rps)} req/s, p99 ${um!.p99} ms`,
            baseline: `${fmt(ub!.rps)} req/s (bare)`,
            ratio,
            target: 'none',
          })
          row({
            what: 'REST POST /updates absolute',
            value: `${fmt(um!.rps)} req/s, p99 ${um!.p99} ms`,
            baseline: '5,000 req/s, p99 20 ms',
            ratio: um!.rps / 5000,
            target: '≥ 1×, p99 ≤ 20 ms',
            pass: um!.rps >= 5000 && um!.p99 <= 20,
          })
        }
        if (sm) {
          // events a second against check-ins a second, round by round: a batch must cost far less than STATS_BATCH check-ins
          const ratio = STATS_BATCH * updates.ratio(2, 1, (r) => r.rps)
          row({
            what: `REST POST /stats (${STATS_BATCH}-event batches) vs /updates`,
            value: `${fmt(sm.rps * STATS_BATCH)} events/s (${fmt(sm.rps)} batches/s, p99 ${sm.p99} ms)`,
            baseline: `${fmt(um!.rps)} req/s (/updates)`,
            ratio,
            target: '≥ 3×',
            pass: ratio >= 3,
          })
        }
      }

      // ---- partial updates: a device that has most files of a bundle ----
      if (wanted('manifest')) {
        const m = await manifestBench(base, BENCH_KEY, 'bench-org')
        const ratio = m.downloaded / m.zip
        row({
          what: `manifest update where 1 of ${m.files} files changed: bytes a device downloads`,
          value: `${fmt(m.downloaded)} B = ${(ratio * 100).toFixed(2)} % (${m.fetched} of ${m.files} files; manifest_size: ${fmt(m.estimated)} B)`,
          baseline: `${fmt(m.zip)} B (the full zip)`,
          ratio,
          target: '≤ 0.05×',
          // the plugin's estimate (POST /updates/manifest_size) must be what it then downloads
          pass: ratio <= 0.05 && m.estimated === m.downloaded,
        })
      }

      const mem = (await (await fetch(`${base}/__bare/memory`)).json()) as Record<string, number>
      console.log(
        `[${kind}] memory after the run: ${Object.entries(mem)
          .map(([k, v]) => `${k} ${(v / 1048576).toFixed(0)} MB`)
          .join(', ')}`,
      )
      const rss = server.maxRss()
      row({
        what: 'server RSS under load (max)',
        value: `${(rss / 1048576).toFixed(0)} MB`,
        baseline: '250 MB',
        ratio: rss / (250 * 1048576),
        target: '≤ 1×',
        pass: rss <= 250 * 1048576,
      })
    } finally {
      await server.stop()
      fs.rmSync(storageDir, { recursive: true, force: true })
    }
  } finally {
    await drop()
  }
  return rows
}

const started = Date.now()
execFileSync(process.execPath, [path.join(serverDir, 'scripts/build.mjs')], { cwd: serverDir, stdio: 'inherit' })
// `--db none`: only the lines that need no dataset (bundle hosting)
const kinds = dbArg === 'all' ? (['sqlite', 'postgres'] as const) : dbArg === 'none' ? [] : ([dbArg as 'sqlite' | 'postgres'] as const)
const all: Row[] = []
for (const kind of kinds) all.push(...(await benchDatabase(kind)))
// bundle hosting (issue 14): bytes on the disk store, the database barely matters (SQLite)
if (wanted('bundle')) {
  for (const r of await benchHosting({ nodeFlags: NODE_FLAGS, env: START_ENV, downloads: quick ? 64 : 128, rounds: ROUNDS })) {
    all.push({ db: 'sqlite', ...r })
    console.log(`[hosting] ${r.what}: ${r.value} vs ${r.baseline} → ${r.ratio.toFixed(2)}× (${r.target}) ${verdict(r.pass)}`)
  }
}

const header = ['db', 'what', 'measured', 'baseline (same run)', 'ratio', 'target', '']
const lines = all.map((r) => [r.db, r.what, r.value, r.baseline, `${r.ratio.toFixed(2)}×`, r.target, verdict(r.pass)])
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
const printRow = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
const cpu = os.cpus()
console.log(
  `\n${quick ? 'quick' : 'full'} run (${DURATION} s runs, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds: figures are medians, ratios the median of each round's ratio) on ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, server flags \`${[...Object.entries(START_ENV).map(([k, v]) => `${k}=${v}`), ...NODE_FLAGS].join(' ') || 'none'}\`, ${new Date().toISOString()}, ${((Date.now() - started) / 1000).toFixed(0)} s in all\n`,
)
console.log(printRow(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const l of lines) console.log(printRow(l))

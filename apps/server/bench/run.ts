// `pnpm bench [--quick] [--db sqlite|postgres|all]`: builds a dataset, starts the production
// server, drives it with autocannon and prints each figure as a ratio against a baseline
// measured in the same run. Not part of `pnpm test`.
import { execFileSync, fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'
import { applyMigrations } from '@capgo-api/db/migrate'
import { BENCH_KEY, buildDataset, DEVICE_APP } from './dataset.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const dbArg = args[args.indexOf('--db') + 1] && args.includes('--db') ? args[args.indexOf('--db') + 1]! : 'all'
const PG_BASE = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const DURATION = quick ? 3 : 10
const CONNECTIONS = 32

interface Row {
  db: string
  what: string
  value: string
  baseline: string
  ratio: number
  target: string
  pass: boolean
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
  return { url: u.toString(), drop: async () => { await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); await admin.end() } }
}

function startServer(url: string) {
  // the production build (pnpm start runs the same bundle), plus the bare baseline routes
  const child = fork(path.join(import.meta.dirname, '../dist/bench-server.mjs'), [], {
    env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'production' },
    execArgv: [],
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
    child.once('message', (m: any) => resolve(m.address))
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  return {
    ready,
    maxRss: () => maxRss,
    stop: async () => {
      clearInterval(sampler)
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    },
  }
}

type Load = Omit<autocannon.Options, 'url'> & { path: string }

async function load(base: string, opts: Load) {
  const { path: p, ...rest } = opts
  const r = await autocannon({ url: base + p, connections: CONNECTIONS, duration: DURATION, headers: { authorization: BENCH_KEY, 'content-type': 'application/json' }, ...rest })
  const bad = r.non2xx + r.errors + r.timeouts
  if (bad) throw new Error(`${p}: ${bad} failed requests (non2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`)
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 }
}

async function warm(base: string, p: string, method: 'GET' | 'POST' = 'GET') {
  await autocannon({ url: base + p, connections: 4, amount: 200, method, headers: { authorization: BENCH_KEY } })
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2))

async function benchDatabase(kind: 'sqlite' | 'postgres'): Promise<Row[]> {
  const devices = quick ? 100_000 : 1_000_000
  const { url, drop } = await freshDatabase(kind)
  const rows: Row[] = []
  try {
    await applyMigrations(url)
    const t0 = Date.now()
    await buildDataset(url, devices)
    console.log(`[${kind}] dataset: ${devices.toLocaleString('en-US')} devices, 100 apps × 366 days of statistics in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    const server = startServer(url)
    const base = await server.ready
    try {
      const ratioRow = async (what: string, p: string, bare: string, target = 0.8, extra: Partial<Load> = {}) => {
        await warm(base, p)
        await warm(base, bare)
        const b = await load(base, { path: bare, ...extra })
        const m = await load(base, { path: p, ...extra })
        rows.push({ db: kind, what, value: `${fmt(m.rps)} req/s`, baseline: `${fmt(b.rps)} req/s (bare)`, ratio: m.rps / b.rps, target: `≥ ${target}×`, pass: m.rps / b.rps >= target })
      }
      const channelQuery = `?app_id=${DEVICE_APP}`
      await ratioRow('REST GET /channel', `/channel${channelQuery}`, `/__bare/channel${channelQuery}`)
      await ratioRow('tRPC channel.get', `/trpc/channel.get?input=${encodeURIComponent(JSON.stringify({ app_id: DEVICE_APP }))}`, `/__bare/channel${channelQuery}`)
      rows.push({ db: kind, what: 'server RSS under load (max)', value: `${(server.maxRss() / 1048576).toFixed(0)} MB`, baseline: '250 MB', ratio: server.maxRss() / (250 * 1048576), target: '≤ 1×', pass: server.maxRss() <= 250 * 1048576 })
    } finally {
      await server.stop()
    }
  } finally {
    await drop()
  }
  return rows
}

execFileSync(process.execPath, [path.join(import.meta.dirname, '../scripts/build.mjs')], { cwd: path.join(import.meta.dirname, '..'), stdio: 'inherit' })
const kinds = dbArg === 'all' ? (['sqlite', 'postgres'] as const) : ([dbArg as 'sqlite' | 'postgres'] as const)
const all: Row[] = []
for (const kind of kinds) all.push(...(await benchDatabase(kind)))

const header = ['db', 'what', 'measured', 'baseline (same run)', 'ratio', 'target', '']
const lines = all.map((r) => [r.db, r.what, r.value, r.baseline, `${r.ratio.toFixed(2)}×`, r.target, r.pass ? 'ok' : 'MISSED'])
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
const printRow = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
console.log(`\n${quick ? 'quick' : 'full'} run on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}\n`)
console.log(printRow(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const l of lines) console.log(printRow(l))

// Driving the server: a fresh database, the production bundle started with the bare baseline routes,
// and autocannon runs, alternated with their baseline round by round.
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'
import { BENCH_KEY } from './dataset.ts'
import { CONNECTIONS, cpuProf, DURATION, NODE_FLAGS, PG_BASE, quick, ROUNDS, START_ENV, serverDir } from './options.ts'

export async function freshDatabase(kind: 'sqlite' | 'postgres') {
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

export function startServer(url: string, kind: string, storageDir: string) {
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

export interface Result {
  rps: number
  mean: number
  p50: number
  p99: number
}

export const headers = { authorization: BENCH_KEY, 'content-type': 'application/json' }

export async function load(base: string, p: string, extra: Partial<autocannon.Options> = {}): Promise<Result> {
  const r = await autocannon({ url: base + p, connections: CONNECTIONS, duration: DURATION, headers, ...extra })
  await fetch(`${base}/__bare/idle`) // the server has finished what the run sent before the next run starts
  const bad = r.non2xx + r.errors + r.timeouts
  if (bad) throw new Error(`${p}: ${bad} failed requests (non2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`)
  return { rps: r.requests.average, mean: r.latency.average, p50: r.latency.p50, p99: r.latency.p99 }
}

export async function warm(base: string, p: string) {
  await autocannon({ url: base + p, connections: 4, amount: quick ? 60 : 300, headers })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Runs `runs` alternately `ROUNDS` times, in a rotating order: the median result of each (by throughput), and
 * `ratio(i, j, f)`, the median over the rounds of f(run i) / f(run j) measured in the same round.
 */
export async function alternate(runs: (() => Promise<Result>)[]) {
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

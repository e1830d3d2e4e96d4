// The bench's command line and fixed sizes (see run.ts for the usage), and the flags and environment of
// `pnpm start` the server runs with.
import fs from 'node:fs'
import path from 'node:path'

const args = process.argv.slice(2)
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
export const quick = args.includes('--quick')
export const dbArg = opt('--db') ?? 'all'
export const only = opt('--only')
export const cpuProf = args.includes('--cpu-prof')
export const PG_BASE = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
export const DURATION = quick ? 2 : 6
export const ROUNDS = Number(opt('--rounds') ?? (quick ? 1 : 3))
export const CONNECTIONS = 32
export const DEVICES = quick ? 200_000 : 1_000_000
/** check-ins go to this many distinct devices per run (a fresh slice of the dataset each run) */
export const UPDATE_DEVICES = 100_000
export const PAGE = 50
/** events in one /stats request: the plugin flushes up to 200 at a time */
export const STATS_BATCH = 200
/** devices whose batches the /stats line sends (the last ones of the dataset) */
export const STATS_DEVICES = 256
export const serverDir = path.join(import.meta.dirname, '..')

// The server runs with the V8 flags of `pnpm start` (apps/server/package.json), unless told otherwise.
const startScript: string = JSON.parse(fs.readFileSync(path.join(serverDir, 'package.json'), 'utf8')).scripts.start
// …and the environment it sets (MALLOC_ARENA_MAX)
export const START_ENV = Object.fromEntries([...startScript.matchAll(/\b([A-Z_]+)=(\S+) node\b/g)].map((m) => [m[1]!, m[2]!]))
export const NODE_FLAGS = (opt('--node-flags') ?? startScript.match(/--max-[\w-]+=\d+/g)?.join(' ') ?? '').split(/\s+/).filter(Boolean)

/** Whether `--only` selects the line `what`. */
export const wanted = (what: string) => !only || what.toLowerCase().includes(only.toLowerCase())

// Bundle hosting in `pnpm bench` (issue 14), each figure a ratio measured in the same run:
// - a 5 MB hosted bundle downloaded by 32 connections through its signed URL, against
//   @fastify/static serving the same file from the same disk in the same process;
// - a 300 MB bundle uploaded (PUT) and finalized: the server's peak RSS against 250 MB.
// The server runs with the V8 flags and environment of `pnpm start`.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { bootstrap } from '@capgo-api/api'
import { createDb } from '@capgo-api/db'
import { applyMigrations } from '@capgo-api/db/migrate'
import autocannon from 'autocannon'
import yazl from 'yazl'
import { checkInInfo, deviceId } from './dataset.ts'

export interface HostingRow {
  what: string
  value: string
  baseline: string
  ratio: number
  target: string
  pass: boolean
}

const KEY = 'bench-hosting-key-0123456789'

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}
const MB = 1024 * 1024

/** A zip of `size` bytes or so: an index.html and incompressible files, stored (as bundles of images are). */
async function writeZip(file: string, size: number) {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from('<html></html>'), 'index.html')
  const part = 4 * MB
  for (let i = 0; i * part < size; i++) {
    const n = Math.min(part, size - i * part)
    zip.addReadStream(Readable.from([randomBytes(n)]), `assets/${i}.bin`, { compress: false, size: n })
  }
  zip.end()
  await new Promise<void>((resolve, reject) =>
    zip.outputStream
      .pipe(fs.createWriteStream(file))
      .on('finish', () => resolve())
      .on('error', reject),
  )
  return fs.statSync(file).size
}

export async function benchHosting(opts: { nodeFlags: string[]; env: Record<string, string>; downloads: number; rounds: number }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-bench-hosting-'))
  const rows: HostingRow[] = []
  const url = `file:${path.join(dir, 'bench.db')}`
  await applyMigrations(url)
  const database = await createDb(url)
  await bootstrap(database.db, { apiKey: KEY })
  await database.db.$disconnect()
  const port = await freePort()
  const child = fork(path.join(import.meta.dirname, 'hosting-server.ts'), [], {
    env: {
      ...process.env,
      ...opts.env,
      DATABASE_URL: url,
      BENCH_STORAGE_DIR: path.join(dir, 'bundles'),
      BENCH_PORT: String(port),
      NODE_ENV: 'production',
    },
    execArgv: ['--import', 'tsx', ...opts.nodeFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let peak = 0
  const rss = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  }
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rss())
    } catch {}
  }, 50)
  try {
    const base = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { address: string }) => resolve(m.address))
      child.once('exit', (code) => reject(new Error(`hosting bench server exited with ${code}`)))
    })
    // biome-ignore lint/suspicious/noExplicitAny: the bench reads a few fields of known answers
    const call = async (method: string, p: string, body?: unknown): Promise<any> => {
      const res = await fetch(base + p, {
        method,
        headers: { authorization: KEY, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
      const json: unknown = await res.json()
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`)
      return json
    }
    const org = (await call('GET', '/organization')) as { id: string }[]
    await call('POST', '/app', { app_id: 'com.bench.hosting', name: 'Hosting bench', owner_org: org[0]!.id })
    const ship = async (version: string, file: string) => {
      const { upload } = await call('POST', '/bundle', { app_id: 'com.bench.hosting', version })
      const size = fs.statSync(file).size
      const put = await fetch(upload.url, {
        method: 'PUT',
        headers: { 'content-length': String(size) },
        body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit)
      if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`)
      return (await call('POST', '/bundle/finalize', { app_id: 'com.bench.hosting', version })).bundle
    }

    // ---- 5 MB download, 32 connections: signed URL vs @fastify/static, same file ----
    const small = path.join(dir, 'small.zip')
    await writeZip(small, 5 * MB)
    const bundle = await ship('1.1.0', small)
    await call('POST', '/channel', { app_id: 'com.bench.hosting', channel: 'prod', version: '1.1.0', public: true })
    const update = await fetch(`${base}/updates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...checkInInfo('com.bench.hosting', deviceId(0)), version_name: 'builtin' }),
    }).then((r) => r.json() as Promise<{ url?: string }>)
    if (!update.url) throw new Error(`/updates does not serve the bundle: ${JSON.stringify(update)}`)
    const signed = update.url
    const staticPath = `${base}/__static/${bundle.r2_path}`
    for (const u of [signed, staticPath]) {
      const r = await fetch(u)
      const n = (await r.arrayBuffer()).byteLength
      if (r.status !== 200 || n !== bundle.size) throw new Error(`download ${u}: ${r.status}, ${n} bytes`)
    }
    // a fixed number of downloads (not a duration): on a loaded machine one 5 MB answer can take
    // longer than a short run; bytes/s = bytes received / the run's time
    const run = async (u: string) => {
      const r = await autocannon({ url: u, connections: 32, amount: opts.downloads, timeout: 300 })
      if (r.non2xx || r.errors || r.timeouts || r.requests.total !== opts.downloads)
        throw new Error(`${u}: ${r.requests.total} answers, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`)
      return r.throughput.total / (r.duration || 1)
    }
    const ratios: number[] = []
    const served: number[] = []
    const stat: number[] = []
    for (let round = 0; round < opts.rounds; round++) {
      // alternate which goes first: the machine's speed drifts
      let a: number
      let b: number
      if (round % 2) {
        b = await run(staticPath)
        a = await run(signed)
      } else {
        a = await run(signed)
        b = await run(staticPath)
      }
      served.push(a)
      stat.push(b)
      ratios.push(a / b)
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
    const ratio = median(ratios)
    rows.push({
      what: `GET a 5 MB hosted bundle (signed URL), 32 connections, ${opts.downloads} downloads`,
      value: `${(median(served) / MB).toFixed(0)} MB/s`,
      baseline: `${(median(stat) / MB).toFixed(0)} MB/s (@fastify/static, same file)`,
      ratio,
      target: '≥ 0.8×',
      pass: ratio >= 0.8,
    })

    // ---- 300 MB upload + finalize: peak RSS of the server ----
    const big = path.join(dir, 'big.zip')
    const bigSize = await writeZip(big, 300 * MB)
    peak = rss()
    const before = peak
    const t0 = Date.now()
    const done = await ship('2.0.0', big)
    if (done.size !== bigSize) throw new Error(`300 MB upload stored ${done.size} bytes`)
    const secs = (Date.now() - t0) / 1000
    rows.push({
      what: `PUT + finalize a ${(bigSize / MB).toFixed(0)} MB bundle: server peak RSS (before: ${(before / MB).toFixed(0)} MB; ${secs.toFixed(1)} s)`,
      value: `${(peak / MB).toFixed(0)} MB`,
      baseline: '250 MB',
      ratio: peak / (250 * MB),
      target: '≤ 1×',
      pass: peak <= 250 * MB,
    })
  } finally {
    clearInterval(sampler)
    child.kill('SIGTERM')
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)))
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

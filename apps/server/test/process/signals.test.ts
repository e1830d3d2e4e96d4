// SIGTERM, as operators and process managers send it: to the `pnpm start` that launched the
// server, to its whole process group (with a log reader that stopped reading), and to node with
// requests in flight. Each time: in-flight requests finish, nothing is left running, the port is
// closed; a drain that cannot finish ends in exit 1 at SHUTDOWN_TIMEOUT_MS.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, SERVER_DIR, startServer } from './server.ts'

const REPO_DIR = path.resolve(SERVER_DIR, '../..')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-signals-'))
const groups: number[] = []
afterAll(() => {
  for (const pgid of groups)
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {}
  fs.rmSync(tmp, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `pnpm start` at the repository root, as a user runs it, in its own process group and a clean env. */
async function pnpmStart(name: string, extraEnv: Record<string, string> = {}) {
  const port = await freePort()
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `file:${path.join(tmp, name, 'capgo.db')}`,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  }
  const child = spawn('pnpm', ['start'], { cwd: REPO_DIR, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  groups.push(child.pid!)
  let output = ''
  const collect = (d: Buffer) => {
    if (output.length < 20_000) output += String(d)
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pnpm start exited (${child.exitCode}): ${output}`)
    try {
      if ((await fetch(`${base}/ok`, { signal: AbortSignal.timeout(1000) })).status === 200) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`pnpm start did not answer /ok: ${output}`)
    await sleep(200)
  }
  return { child, port, base, exited, output: () => output }
}

/** The processes of a group (pid and command line). */
function groupProcesses(pgid: number): { pid: number; args: string }[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const m = /^\s*(\d+)\s+(.*)$/.exec(l)!
        return { pid: Number(m[1]), args: m[2]! }
      })
  } catch {
    return [] // ps exits 1 when no process matches
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits (bounded) until none of `pids` runs; answers those still running at the bound. */
async function waitGone(pids: number[], ms = 30_000) {
  const until = Date.now() + ms
  while (pids.some(alive) && Date.now() < until) await sleep(100)
  return pids.filter(alive)
}

async function portOpen(port: number) {
  return new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/** A request whose body has not fully arrived: in flight until `finish()` sends the rest. */
async function requestInFlight(port: number) {
  const socket = net.connect(port, '127.0.0.1')
  await new Promise((r) => socket.once('connect', r))
  const body = JSON.stringify({ app_id: 'com.example.inflight', device_id: 'inflight-device' })
  socket.write(
    `POST /updates HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  )
  let answer = ''
  socket.on('data', (d) => (answer += String(d)))
  socket.on('error', () => {})
  const closed = new Promise<void>((r) => socket.once('close', () => r()))
  return { finish: () => socket.write(body.slice(10)), answer: () => answer, closed }
}

describe('SIGTERM', () => {
  it('to the pnpm of `pnpm start`: the server drains and exits, no process is left', async () => {
    const s = await pnpmStart('pnpm-pid')
    const procs = groupProcesses(s.child.pid!)
    expect(procs.some((p) => p.args.includes('dist/main.mjs'))).toBe(true)
    process.kill(s.child.pid!, 'SIGTERM')
    expect(await waitGone(procs.map((p) => p.pid))).toEqual([])
    expect(await s.exited).toBe(0)
    expect(await portOpen(s.port)).toBe(false)
  }, 150_000)

  it('to the whole process group of `pnpm start`: every process exits, the port closes', async () => {
    const s = await pnpmStart('group', { LOG_LEVEL: 'info' })
    const procs = groupProcesses(s.child.pid!)
    expect(procs.some((p) => p.args.includes('dist/main.mjs'))).toBe(true)
    process.kill(-s.child.pid!, 'SIGTERM')
    expect(await waitGone(procs.map((p) => p.pid))).toEqual([])
    expect(await portOpen(s.port)).toBe(false)
  }, 150_000)

  it('to node whose log reader stopped reading (a full pipe): it still exits 0', async () => {
    const server = await startServer({ env: { DATABASE_URL: `file:${path.join(tmp, 'full-pipe', 'capgo.db')}`, LOG_LEVEL: 'info' } })
    server.child.stdout!.pause()
    // a few MB of request logs (the URL is logged) fill the pipe
    const pad = 'x'.repeat(8000)
    for (let i = 0; i < 200; i++) {
      try {
        await fetch(`${server.base}/ok?pad=${pad}${i}`, { signal: AbortSignal.timeout(2000) })
      } catch {}
    }
    server.child.kill('SIGTERM')
    expect(await Promise.race([server.exited, sleep(30_000).then(() => 'still running')])).toBe(0)
  }, 90_000)

  it('to node with a request in flight: the request is answered, then the process exits 0', async () => {
    const server = await startServer({ env: { DATABASE_URL: `file:${path.join(tmp, 'inflight', 'capgo.db')}` } })
    const req = await requestInFlight(server.port)
    await sleep(300)
    server.child.kill('SIGTERM')
    // no new connection is accepted while the request drains
    const until = Date.now() + 10_000
    while ((await portOpen(server.port)) && Date.now() < until) await sleep(100)
    expect(await portOpen(server.port)).toBe(false)
    req.finish()
    await req.closed
    expect(req.answer()).toMatch(/^HTTP\/1\.1 \d{3} /)
    // at once, not after the connection's keep-alive timeout
    expect(await Promise.race([server.exited, sleep(20_000).then(() => 'still running')])).toBe(0)
  }, 90_000)

  it('to node with a request that never finishes: exit 1 at SHUTDOWN_TIMEOUT_MS', async () => {
    const server = await startServer({ env: { DATABASE_URL: `file:${path.join(tmp, 'stuck', 'capgo.db')}`, SHUTDOWN_TIMEOUT_MS: '1500' } })
    await requestInFlight(server.port)
    await sleep(300)
    server.child.kill('SIGTERM')
    const code = await Promise.race([server.exited, sleep(30_000).then(() => 'still running')])
    expect(code).toBe(1)
  }, 90_000)
})

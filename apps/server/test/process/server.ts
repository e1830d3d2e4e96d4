// Starts the production server as users start it: the built bundle (dist/main.mjs) under plain
// node with the flags of `pnpm start`, a real environment and its own port. Tests of what depends
// on the environment, the start script or the process (limits, signals, faults, paths) use this,
// not buildApp with options. The bundle is built once per run by build-setup.ts.
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll } from 'vitest'

export const SERVER_DIR = path.resolve(import.meta.dirname, '../..')
export const MAIN_BUNDLE = path.join(SERVER_DIR, 'dist/main.mjs')
/**
 * What `pnpm start` runs after the build, read from apps/server/package.json's "start" script (the
 * single source): `… && exec env VAR=value … node <flags> dist/main.mjs`.
 */
function startCommand() {
  const pkg = JSON.parse(fs.readFileSync(path.join(SERVER_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } }
  const m = /&& exec env ((?:\w+=\S+ )*)node ((?:--\S+ )*)dist\/main\.mjs$/.exec(pkg.scripts.start)
  if (!m)
    throw new Error(`apps/server/package.json "start" is not "… && exec env VAR=value … node <flags> dist/main.mjs": ${pkg.scripts.start}`)
  const env = Object.fromEntries(
    m[1]!
      .trim()
      .split(' ')
      .filter(Boolean)
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  )
  return { flags: m[2]!.trim().split(' ').filter(Boolean), env: env as Record<string, string> }
}
export const START_NODE_FLAGS: string[] = startCommand().flags
export const START_ENV: Record<string, string> = startCommand().env

const children = new Set<ChildProcess>()
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

export async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

export interface StartedServer {
  child: ChildProcess
  base: string
  port: number
  /** resolves with the exit code (null when killed by a signal) */
  exited: Promise<number | null>
  stdout(): string
  stderr(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export interface StartOptions {
  /** environment on top of a clean one (PATH, HOME); nothing of the test process leaks in */
  env?: Record<string, string | undefined>
  /** working directory (default apps/server, as `pnpm start` runs) */
  cwd?: string
  /** the entry file (default dist/main.mjs) */
  entry?: string
  /** wait for GET /ok to answer 200 (default true) */
  waitForOk?: boolean
  timeoutMs?: number
  /** run it on a pseudo-terminal, as in a person's terminal (util-linux `script`; TERM=xterm-256color) */
  tty?: boolean
}

const shellQuote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`

/** Spawns the built server and waits until /ok answers 200. The child is SIGKILLed after the file. */
export async function startServer(opts: StartOptions = {}): Promise<StartedServer> {
  const port = opts.env?.PORT ? Number(opts.env.PORT) : await freePort()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...START_ENV,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  }
  for (const [k, v] of Object.entries(opts.env ?? {}))
    if (v === undefined) delete env[k]
    else env[k] = v
  const argv = [process.execPath, ...START_NODE_FLAGS, opts.entry ?? MAIN_BUNDLE]
  if (opts.tty) env.TERM ??= 'xterm-256color'
  // on a pseudo-terminal, stdout and stderr are the terminal, both read from script's stdout
  const [file, args] = opts.tty ? ['script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null']] : [argv[0]!, argv.slice(1)]
  const child = spawn(file as string, args as string[], {
    cwd: opts.cwd ?? SERVER_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += String(d)))
  child.stderr!.on('data', (d) => (stderr += String(d)))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const base = `http://127.0.0.1:${port}`
  if (opts.waitForOk !== false) {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr}${stdout}`)
      try {
        const res = await fetch(`${base}/ok`, { signal: AbortSignal.timeout(1000) })
        if (res.status === 200) break
      } catch {}
      if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}${stdout}`)
      await new Promise((r) => setTimeout(r, 150))
    }
  }
  return {
    child,
    base,
    port,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

// The log as users get it from the built server: JSON lines when stdout is a pipe or a file, pretty
// colored lines on a terminal (and with LOG_FORMAT=pretty, which `pnpm dev` sets); exactly one line
// per completed request (method, URL, route pattern, status, duration, error code, request id);
// health checks at debug; x-request-id kept when sane, else generated, and echoed.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type StartedServer, type StartOptions, startServer } from './server.ts'

const KEY = 'logs-test-key-12345'
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-logs-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

let n = 0
function start(env: Record<string, string>, opts: Omit<StartOptions, 'env'> = {}) {
  const dir = path.join(tmp, `s${++n}`)
  return startServer({ ...opts, env: { DATABASE_URL: `file:${path.join(dir, 'capgo.db')}`, CAPGO_BOOTSTRAP_API_KEY: KEY, ...env } })
}

/** The output's lines, once `done` holds of them (the log is written in the background). */
async function linesWhen(read: () => string, done: (lines: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const lines = read().split(/\r?\n/).filter(Boolean)
    if (done(lines) || Date.now() > deadline) return lines
    await new Promise((r) => setTimeout(r, 100))
  }
}

const json = (lines: string[]) =>
  lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, any>]
    } catch {
      return []
    }
  })

async function get(server: StartedServer, url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.base}${url}`, { headers })
  await res.arrayBuffer()
  return res
}

describe('the request log (JSON, stdout not a terminal)', () => {
  it('one line per completed request: method, URL, route pattern, status, duration, error code, request id', async () => {
    const server = await start({ LOG_LEVEL: 'info' })
    const auth = { authorization: KEY }
    const calls: [string, Record<string, string>, { route: string; status: number; error?: string }][] = [
      ['/app', auth, { route: '/app', status: 200 }],
      ['/app', {}, { route: '/app', status: 401, error: 'no_key_provided' }],
      ['/app/com.missing.app', auth, { route: '/app/:app_id', status: 404, error: 'app_not_found' }],
      ['/no/such/path', auth, { route: '/*', status: 404, error: 'not_found' }],
      [`/trpc/app.list?input=${encodeURIComponent('{}')}`, {}, { route: '/trpc/:path', status: 401, error: 'no_key_provided' }],
    ]
    const ids = calls.map((_, i) => `test-${process.pid}-${i}`)
    for (const [i, [url, headers]] of calls.entries()) {
      const res = await get(server, url, { ...headers, 'x-request-id': ids[i]! })
      expect(res.headers.get('x-request-id')).toBe(ids[i])
    }
    await get(server, '/ok', { 'x-request-id': 'health-1' })
    const lines = await linesWhen(server.stdout, (ls) => ids.every((id) => ls.some((l) => l.includes(id))))
    const entries = json(lines)
    expect(entries.length).toBe(lines.length) // every line is JSON
    for (const [i, [url, , want]] of calls.entries()) {
      const mine = entries.filter((e) => e.reqId === ids[i])
      expect(mine, url).toHaveLength(1)
      const e = mine[0]!
      expect(e).toMatchObject({ msg: 'request completed', level: 30, route: want.route, status: want.status, req: { method: 'GET', url } })
      expect(typeof e.ms).toBe('number')
      expect(e.error).toBe(want.error)
    }
    // health checks are at debug: not in an info log
    expect(entries.some((e) => e.reqId === 'health-1')).toBe(false)
    expect(await server.stop()).toBe(0)
  }, 90_000)

  it('x-request-id: a sane one is kept, anything else replaced by a generated one, unique across processes', async () => {
    const a = await start({ LOG_LEVEL: 'debug' })
    const b = await start({ LOG_LEVEL: 'debug' })
    const generated: string[] = []
    for (const server of [a, b])
      for (const sent of [undefined, 'x'.repeat(129), 'has space', 'quote"d', '']) {
        const res = await get(server, '/ok', sent === undefined ? {} : { 'x-request-id': sent })
        const id = res.headers.get('x-request-id')!
        expect(id).not.toBe(sent)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
        generated.push(id)
      }
    expect(new Set(generated).size).toBe(generated.length)
    // kept: an id a proxy would send (UUID, hex trace id, dotted)
    for (const sent of ['0af7651916cd43dd8448eb211c80319c', 'abc.DEF-123_x:y/z=+@', 'a'.repeat(128)]) {
      const res = await get(a, '/ok', { 'x-request-id': sent })
      expect(res.headers.get('x-request-id')).toBe(sent)
    }
    // error answers carry it too, and the log line has it; /ok logs at debug
    const res = await get(a, '/app', { 'x-request-id': 'err-id-1' })
    expect(res.status).toBe(401)
    expect(res.headers.get('x-request-id')).toBe('err-id-1')
    const lines = await linesWhen(a.stdout, (ls) => ls.some((l) => l.includes('err-id-1')))
    const health = json(lines).filter((e) => e.route === '/ok')
    expect(health.length).toBeGreaterThan(5)
    for (const e of health) expect(e.level).toBe(20)
    expect(json(lines).filter((e) => e.reqId === 'err-id-1')).toMatchObject([{ level: 30, status: 401, error: 'no_key_provided' }])
  }, 90_000)
})

describe('the log on a terminal', () => {
  const ESC = '\u001b['
  it('is pretty and colored: one readable line per request, no JSON', async () => {
    const server = await start({ LOG_LEVEL: 'info' }, { tty: true })
    await get(server, '/app/com.missing.app', { authorization: KEY, 'x-request-id': 'tty-req-1' })
    const lines = await linesWhen(server.stdout, (ls) => ls.some((l) => l.includes('tty-req-1')))
    expect(json(lines)).toEqual([])
    const line = lines.find((l) => l.includes('tty-req-1'))!
    expect(line).toContain(ESC) // colored
    const plain = line.replace(new RegExp(`${ESC.replace('[', '\\[')}[0-9;]*m`, 'g'), '')
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/app\/com\.missing\.app → 404 app_not_found [\d.]+ ms \[tty-req-1\]$/)
    expect(lines.filter((l) => l.includes('tty-req-1'))).toHaveLength(1)
    expect(lines.some((l) => l.includes('Server listening at'))).toBe(true)
    await server.stop()
  }, 90_000)

  it('LOG_FORMAT=json keeps JSON on a terminal; LOG_FORMAT=pretty (pnpm dev) is pretty without one', async () => {
    const onTty = await start({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, { tty: true })
    await get(onTty, '/app', { 'x-request-id': 'tty-json-1' })
    const ttyLines = await linesWhen(onTty.stdout, (ls) => ls.some((l) => l.includes('tty-json-1')))
    expect(json(ttyLines).filter((e) => e.reqId === 'tty-json-1')).toMatchObject([{ status: 401, error: 'no_key_provided' }])
    await onTty.stop()

    const piped = await start({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' })
    await get(piped, '/app', { 'x-request-id': 'pretty-1' })
    const lines = await linesWhen(piped.stdout, (ls) => ls.some((l) => l.includes('pretty-1')))
    expect(json(lines)).toEqual([])
    expect(lines.find((l) => l.includes('pretty-1'))).toMatch(/INFO: GET \/app → 401 no_key_provided [\d.]+ ms \[pretty-1\]$/)
    // the dev script asks for it
    const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'))
    expect(pkg.scripts.dev).toMatch(/LOG_FORMAT=\$\{LOG_FORMAT:-pretty\} /)
    expect(await piped.stop()).toBe(0)
  }, 90_000)
})

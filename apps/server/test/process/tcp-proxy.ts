// A TCP proxy a test can cut and restore, to fault PostgreSQL or Redis without touching the shared
// services: cut() refuses new connections and kills the open ones; restore() listens again on the
// same port. stall() keeps every connection open but passes nothing on (a network that drops
// packets without a reset); unstall() delivers what waited. Closed after the test (or the file) that made it.
import net from 'node:net'
import { afterAll, onTestFinished } from 'vitest'

export interface TcpProxy {
  port: number
  /** `url` with its host and port replaced by the proxy's */
  urlThrough(url: string): string
  cut(): Promise<void>
  /** cuts as soon as a chunk to the target contains `text` (say, a statement the test wants interrupted) */
  cutAtNext(text: string): Promise<void>
  restore(): Promise<void>
  /** connections stay open, new ones are accepted, but no byte goes through until unstall() */
  stall(): void
  unstall(): void
  close(): Promise<void>
}

export interface TcpProxyOptions {
  /** delay every chunk by this much each way, as a database on another machine (default 0) */
  latencyMs?: number
}

/**
 * `from` → `to`, each chunk `latencyMs` later (timers of one delay fire in order, so the stream stays
 * in order). While `from` is paused (a stall) its bytes wait in the socket.
 */
function forward(from: net.Socket, to: net.Socket, latencyMs: number, tap?: (chunk: Buffer) => void) {
  if (tap) from.on('data', tap)
  // not pipe(): it resumes a paused source on the destination's 'drain', which would end a stall
  const send = (chunk: Buffer) => to.destroyed || to.write(chunk)
  from.on('data', latencyMs ? (chunk) => setTimeout(() => send(chunk), latencyMs) : send)
}

export async function tcpProxy(targetHost: string, targetPort: number, opts: TcpProxyOptions = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  let watch: ((chunk: Buffer) => void) | undefined
  let stalled = false
  // a paused socket reads nothing: its bytes wait in the kernel until it resumes
  const hold = (s: net.Socket) => (stalled ? s.pause() : s.resume())
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost)
    sockets.add(client).add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    forward(client, upstream, opts.latencyMs ?? 0, (chunk) => watch?.(chunk))
    forward(upstream, client, opts.latencyMs ?? 0)
    if (stalled) for (const s of [client, upstream]) hold(s)
  })
  const listen = (p: number) =>
    new Promise<number>((r, j) => {
      server.once('error', j)
      server.listen(p, '127.0.0.1', () => r((server.address() as net.AddressInfo).port))
    })
  const port = await listen(0)
  const cut = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy()
      if (!server.listening) return r()
      server.close(() => r())
    })
  const proxy: TcpProxy = {
    port,
    urlThrough(url) {
      const u = new URL(url)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    cut,
    cutAtNext(text) {
      return new Promise<void>((r) => {
        watch = (chunk) => {
          if (!chunk.includes(text)) return
          watch = undefined
          // before the chunk goes on: its sender is waiting on that statement when the connection dies
          void cut().then(r)
        }
      })
    },
    async restore() {
      if (!server.listening) await listen(port)
    },
    stall() {
      stalled = true
      for (const s of sockets) hold(s)
    },
    unstall() {
      stalled = false
      for (const s of sockets) hold(s)
    },
    close: cut,
  }
  // after the test that made it (an afterAll registered inside a test never runs), else after the file
  try {
    onTestFinished(() => proxy.close())
  } catch {
    afterAll(() => proxy.close())
  }
  return proxy
}

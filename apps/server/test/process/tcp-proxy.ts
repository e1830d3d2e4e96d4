// A TCP proxy a test can cut and restore, to fault PostgreSQL or Redis without touching the shared
// services: cut() refuses new connections and kills the open ones; restore() listens again on the
// same port. Closed after the file.
import net from 'node:net'
import { afterAll } from 'vitest'

export interface TcpProxy {
  port: number
  /** `url` with its host and port replaced by the proxy's */
  urlThrough(url: string): string
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
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
    client.pipe(upstream).pipe(client)
  })
  const listen = (p: number) => new Promise<number>((r, j) => {
    server.once('error', j)
    server.listen(p, '127.0.0.1', () => r((server.address() as net.AddressInfo).port))
  })
  const port = await listen(0)
  const cut = () => new Promise<void>((r) => {
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
    async restore() {
      if (!server.listening) await listen(port)
    },
    close: cut,
  }
  afterAll(() => proxy.close())
  return proxy
}

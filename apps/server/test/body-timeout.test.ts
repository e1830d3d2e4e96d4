// The body deadline's per-route exception (uploads time their body themselves) and a body that is
// slow but within the deadline. The deadline under the real start (BODY_TIMEOUT_MS) is tested in
// process/limits.test.ts.
import net from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.ts'
import { getApp } from './harness.ts'

const { services } = await getApp()

/**
 * Sends the headers and `body` a byte at a time every `everyMs` and reads the answer until the
 * server answers or closes; with `holdMs`, the socket stays open (and trickling) that long after.
 */
async function trickle(
  port: number,
  url: string,
  body: string,
  everyMs: number,
  opts: { contentType?: string; holdMs?: number } = {},
): Promise<string> {
  const socket = net.connect(port, '127.0.0.1')
  await new Promise((r) => socket.once('connect', r))
  let received = ''
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (d) => {
      received += String(d)
      if (/\r\n\r\n[\s\S]*\}$/.test(received)) resolve()
    })
    socket.once('close', () => resolve())
  })
  socket.write(
    `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${opts.contentType ?? 'application/json'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
  )
  let sent = 0
  const timer = setInterval(() => {
    if (sent < body.length && !socket.destroyed) socket.write(body[sent++]!)
  }, everyMs)
  await Promise.race([answered, new Promise((r) => setTimeout(r, 15_000))])
  if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs))
  clearInterval(timer)
  socket.destroy()
  return received
}

describe('the body deadline', () => {
  it('a route may opt out (bodyTimeoutMs: false); others are cut; a body within the deadline is read', async () => {
    const app = await buildApp({ services, bodyTimeoutMs: 1000, rateLimit: false })
    app.post('/slow-upload', { config: { bodyTimeoutMs: false } }, async (req) => ({ received: req.body }))
    app.post('/slow-default', async (req) => ({ received: req.body }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    afterAll(() => app.close())
    const port = (app.server.address() as net.AddressInfo).port

    // 12 bytes, one every 250 ms: ~3 s, three times the deadline
    const body = JSON.stringify({ a: 'xxxx' })
    const optedOut = await trickle(port, '/slow-upload', body, 250)
    expect(optedOut).toMatch(/^HTTP\/1\.1 200 /)
    expect(optedOut).toContain('"received":{"a":"xxxx"}')

    const cut = await trickle(port, '/slow-default', body, 250)
    expect(cut).toMatch(/^HTTP\/1\.1 408 /)
    expect(cut).toContain('"error":"request_timeout"')

    // answered before its body is read (415): the deadline passing later on that unread body
    // must not throw (an uncaught error fails the run)
    const early = await trickle(port, '/slow-default', body, 250, { contentType: 'application/xml', holdMs: 1500 })
    expect(early).toMatch(/^HTTP\/1\.1 415 /)

    // slow but in time: 12 bytes every 20 ms (~240 ms) under a 1 s deadline
    const inTime = await trickle(port, '/slow-default', body, 20)
    expect(inTime).toMatch(/^HTTP\/1\.1 200 /)
  }, 40_000)
})

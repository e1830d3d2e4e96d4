// Input rules at the HTTP level (issue "hardening", item 12): the envelope for errors Fastify or
// Node answer before any route, and no key in the request log.
import net from 'node:net'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { loggerOptions } from '../src/app.ts'
import { buildTestApp, getApp, rest, restOn, uid } from './harness.ts'
import { logInto } from './log-lines.ts'

const KO = (error: string) => ({ status: 'KO', error, message: expect.any(String) })

describe('errors answered before any route are in the envelope', () => {
  it('a refused CORS preflight', async () => {
    const { app } = await getApp()
    for (const headers of [{ origin: 'https://example.com' }, {}]) {
      const res = await app.inject({ method: 'OPTIONS', url: '/app', headers })
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.json()).toEqual(KO('invalid_preflight'))
    }
    // a real preflight is still answered
    const ok = await app.inject({
      method: 'OPTIONS',
      url: '/app',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' },
    })
    expect(ok.statusCode).toBe(204)
    expect(ok.headers['access-control-allow-origin']).toBe('https://example.com')
  })

  it('a raw bad percent-encoding in the path', async () => {
    const { app } = await getApp()
    for (const url of ['/app/%ZZ', '/%E0%A4%A', '/trpc/%ZZ', '/channel/%']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(400)
      expect(res.json(), url).toEqual(KO('invalid_url'))
    }
  })

  it('unknown methods and paths', async () => {
    for (const method of ['PATCH', 'PROPFIND', 'TRACE'] as const) {
      const res = await rest(method, '/app')
      expect(res.status, method).toBeGreaterThanOrEqual(400)
      expect(res.body, method).toMatchObject({ status: 'KO', error: expect.stringMatching(/^[a-z_]+$/) })
    }
  })

  it('malformed requests that Node refuses before Fastify: headers, header size', async () => {
    const { database } = await getApp()
    const app = await buildTestApp(database)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as net.AddressInfo).port
    const cases: [string, number, string][] = [
      ['GET /app HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n', 400, 'bad_request'],
      [`GET /app HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 431, 'headers_too_large'],
      ['NOT A REQUEST\r\n\r\n', 400, 'bad_request'],
    ]
    for (const [raw, status, error] of cases) {
      const answer = await rawHttp(port, raw)
      expect(answer, raw.slice(0, 40)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `))
      const [head, body] = answer.split('\r\n\r\n')
      expect(head).toMatch(/content-type: application\/json/i)
      expect(JSON.parse(body!)).toEqual(KO(error))
    }
  })
})

/** Sends raw bytes, returns all the server answered before closing (bounded in time). */
function rawHttp(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let out = ''
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(out)
    }, 10_000)
    socket.on('data', (d) => (out += d.toString('utf8')))
    socket.on('error', (e) => {
      if (out) return
      clearTimeout(timer)
      reject(e)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
    socket.write(raw)
  })
}

describe('the request log never holds a key from the URL', () => {
  it('?apikey= and other key-carrying parameters are redacted, the rest is kept', async () => {
    const lines: string[] = []
    const stream = logInto(lines)
    const { database } = await getApp()
    const app: FastifyInstance = await buildTestApp(database, { logger: loggerOptions('info', stream) })
    const secret = `sekret_${uid()}`
    for (const q of [
      `apikey=${secret}`,
      `APIKEY=${secret}`,
      `capgkey=${secret}`,
      `x-api-key=${secret}`,
      `api_key=${secret}`,
      `token=${secret}`,
      `%61pikey=${secret}`,
    ]) {
      await restOn(app, 'GET', `/app?page=0&${q}&keep=visible`)
    }
    const log = lines.join('')
    expect(log).toContain('keep=visible')
    expect(log).toContain('[redacted]')
    expect(log.includes(secret)).toBe(false)
  })
})

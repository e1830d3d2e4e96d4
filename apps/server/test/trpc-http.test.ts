// /trpc is tRPC's stock Fastify adapter behind Fastify's routing, body limit and hooks. Each request
// here is also sent to tRPC's fetch handler on the same router: status and body must be the same
// after JSON parsing, and errors carry the contract's envelope fields beside tRPC's own.
import { appRouter, createContextInner, readApiKey } from '@capgo-api/api'
import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { describe, expect, it } from 'vitest'
import { createTenant, getApp } from './harness.ts'

interface Call {
  method: 'GET' | 'POST'
  url: string
  body?: string
  key?: string
  headers?: Record<string, string>
}

async function both(call: Call) {
  const { app, services } = await getApp()
  const headers: Record<string, string> = {
    ...(call.key ? { authorization: call.key } : {}),
    ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...call.headers,
  }
  const ours = await app.inject({ method: call.method, url: call.url, headers, ...(call.body !== undefined ? { payload: call.body } : {}) })
  const reference = await fetchRequestHandler({
    endpoint: '/trpc',
    router: appRouter,
    req: new Request(`http://localhost${call.url}`, {
      method: call.method,
      headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
    }),
    createContext: ({ req }) => createContextInner({ services, apiKey: readApiKey(Object.fromEntries(req.headers)) }),
  })
  const expected = { status: reference.status, body: JSON.parse(await reference.text()) as unknown }
  expect({ status: ours.statusCode, body: ours.json() as unknown }).toEqual(expected)
  expect(ours.headers['content-type']).toMatch(/^application\/json/)
  // sent whole, as every other route's answers: a length, not chunks
  expect(ours.headers['transfer-encoding']).toBeUndefined()
  expect(Number(ours.headers['content-length'])).toBe(Buffer.byteLength(ours.body))
  return expected
}

const q = (input: unknown) => encodeURIComponent(JSON.stringify(input))

describe('/trpc answers as tRPC does', () => {
  it('single queries: data, a domain error, a validation error', async () => {
    const t = await createTenant()
    expect((await both({ method: 'GET', url: `/trpc/channel.get?input=${q({ app_id: t.appId })}`, key: t.keys.read })).status).toBe(200)
    expect((await both({ method: 'GET', url: `/trpc/channel.get?input=${q({ app_id: 'com.nope.app' })}`, key: t.keys.read })).status).toBe(
      404,
    )
    expect((await both({ method: 'GET', url: `/trpc/channel.get?input=${q({ app_id: 'not an id' })}`, key: t.keys.read })).status).toBe(400)
    expect((await both({ method: 'GET', url: `/trpc/channel.get?input=${q({ app_id: t.appId })}` })).status).toBe(401)
  })

  it("errors carry the envelope fields (status, error, message) and tRPC's code and httpStatus", async () => {
    const t = await createTenant()
    const { body } = await both({ method: 'GET', url: `/trpc/channel.get?input=${q({ app_id: 'com.nope.app' })}`, key: t.keys.read })
    expect(body).toMatchObject({
      error: {
        status: 'KO',
        error: 'app_not_found',
        message: 'App not found.',
        code: -32004,
        data: { code: 'NOT_FOUND', httpStatus: 404, path: 'channel.get', error: 'app_not_found' },
      },
    })
  })

  it("keeps CORS's vary beside tRPC's", async () => {
    const t = await createTenant()
    const { app } = await getApp()
    const res = await app.inject({
      method: 'GET',
      url: `/trpc/channel.get?input=${q({ app_id: t.appId })}`,
      headers: { authorization: t.keys.read, origin: 'https://console.example.com' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('https://console.example.com')
    expect(String(res.headers.vary).split(/,\s*/)).toEqual(expect.arrayContaining(['Origin', 'trpc-accept']))
  })

  it('batches: all good (200), mixed (207), all failing alike (their status)', async () => {
    const t = await createTenant()
    const good = { app_id: t.appId }
    const bad = { app_id: 'com.nope.app' }
    expect(
      (await both({ method: 'GET', url: `/trpc/channel.get,app.get?batch=1&input=${q({ 0: good, 1: good })}`, key: t.keys.read })).status,
    ).toBe(200)
    expect(
      (await both({ method: 'GET', url: `/trpc/channel.get,channel.get?batch=1&input=${q({ 0: good, 1: bad })}`, key: t.keys.read }))
        .status,
    ).toBe(207)
    expect(
      (await both({ method: 'GET', url: `/trpc/channel.get,channel.get?batch=1&input=${q({ 0: bad, 1: bad })}`, key: t.keys.read })).status,
    ).toBe(404)
  })

  it('mutations by POST, single and batched', async () => {
    const t = await createTenant()
    const upsert = { app_id: t.appId, channel: 'beta', public: false }
    expect((await both({ method: 'POST', url: '/trpc/channel.upsert', body: JSON.stringify(upsert), key: t.keys.write })).status).toBe(200)
    expect(
      (
        await both({
          method: 'POST',
          url: '/trpc/channel.upsert,channel.upsert?batch=1',
          body: JSON.stringify({ 0: upsert, 1: { ...upsert, public: 'no' } }),
          key: t.keys.write,
        })
      ).status,
    ).toBe(207)
    expect((await both({ method: 'POST', url: '/trpc/channel.upsert', body: JSON.stringify(upsert), key: t.keys.read })).status).toBe(403)
  })

  it('wrong method, unknown procedure, bad JSON, bad batch, streaming', async () => {
    const t = await createTenant()
    expect(
      (await both({ method: 'POST', url: '/trpc/channel.get', body: JSON.stringify({ app_id: t.appId }), key: t.keys.read })).status,
    ).toBe(405)
    expect(
      (await both({ method: 'GET', url: `/trpc/channel.upsert?input=${q({ app_id: t.appId, channel: 'x' })}`, key: t.keys.write })).status,
    ).toBe(405)
    expect((await both({ method: 'GET', url: `/trpc/channel.nope?input=${q({})}`, key: t.keys.read })).status).toBe(404)
    expect(
      (
        await both({
          method: 'GET',
          url: `/trpc/channel.get,channel.nope?batch=1&input=${q({ 0: { app_id: t.appId }, 1: {} })}`,
          key: t.keys.read,
        })
      ).status,
    ).toBe(207)
    expect((await both({ method: 'GET', url: '/trpc/channel.get?input=%7Bnot-json', key: t.keys.read })).status).toBe(400)
    expect((await both({ method: 'GET', url: `/trpc/channel.get?batch=1&input=${q([1])}`, key: t.keys.read })).status).toBe(400)
    // httpBatchStreamLink asks for JSON lines: the answer streams, as from tRPC's own adapter
    const { app } = await getApp()
    const streamed = await app.inject({
      method: 'GET',
      url: `/trpc/channel.get?batch=1&input=${q({ 0: { app_id: t.appId } })}`,
      headers: { authorization: t.keys.read, 'trpc-accept': 'application/jsonl' },
    })
    expect(streamed.statusCode).toBe(200)
    expect(streamed.headers['transfer-encoding']).toBe('chunked')
    expect(streamed.body.trim().split('\n').length).toBeGreaterThan(1)
  })
})

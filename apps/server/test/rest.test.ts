// The REST layer (http/rest.ts): query and body input, 415, paths matched with or without their
// trailing slash (case-sensitive), 404 for unknown paths and methods (rate-limited like any route),
// HEAD as Fastify answers it, on the app and on a router of its own.
import { appRouter } from '@capgo-api/api'
import { initTRPC } from '@trpc/server'
import Fastify from 'fastify'
import type { OpenApiMeta } from 'trpc-to-openapi'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { restRoutes } from '../src/http/rest.ts'
import { inputFields, unwrapWrapper } from '../src/input-schema.ts'
import { buildTestApp, createTenant, getApp, rest, restOn, trpc } from './harness.ts'
import { logInto } from './log-lines.ts'

const NOT_FOUND = { status: 'KO', error: 'not_found', message: 'No such endpoint.' }

describe('REST input', () => {
  it('a query key given twice is an array (refused where a string is expected); an empty value is absent', async () => {
    const t = await createTenant()
    const twice = await rest('GET', `/channel?app_id=${t.appId}&app_id=${t.appId}`, { key: t.keys.read })
    expect(twice).toMatchObject({
      status: 400,
      body: {
        status: 'KO',
        error: 'invalid_input',
        issues: [{ path: 'app_id', message: 'Invalid input: expected string, received array' }],
      },
    })
    const empty = await rest('GET', `/channel?app_id=${t.appId}&channel=&page`, { key: t.keys.read })
    expect(empty).toMatchObject({ status: 200, body: [] })
  })

  it('DELETE takes its fields from a JSON body too, the query winning', async () => {
    const t = await createTenant()
    for (const channel of ['a', 'b'])
      expect((await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel } })).status).toBe(200)
    expect(await rest('DELETE', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'a' } })).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    })
    expect(await rest('DELETE', '/channel?channel=nope', { key: t.keys.write, body: { app_id: t.appId, channel: 'b' } })).toMatchObject({
      status: 404,
      body: { error: 'channel_not_found' },
    })
    const left = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(left.body.map((c: { name: string }) => c.name)).toEqual(['b'])
  })

  it('a body method wants a JSON content type (parameters allowed); an empty JSON body is an empty input', async () => {
    const t = await createTenant()
    const { app } = await getApp()
    const post = (headers: Record<string, string>, payload?: string) =>
      app.inject({
        method: 'POST',
        url: '/channel',
        headers: { authorization: t.keys.write, ...headers },
        ...(payload === undefined ? {} : { payload }),
      })
    const none = await post({})
    expect([none.statusCode, JSON.parse(none.body)]).toEqual([
      415,
      { status: 'KO', error: 'unsupported_media_type', message: 'Send the body as application/json.' },
    ])
    expect(
      (await post({ 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ app_id: t.appId, channel: 'x' }))).statusCode,
    ).toBe(200)
    const empty = await post({ 'content-type': 'application/json' })
    expect(empty.statusCode).toBe(400)
    expect(JSON.parse(empty.body)).toMatchObject({ error: 'invalid_input', issues: [{ path: 'app_id' }, { path: 'channel' }] })
  })

  it('path parameters win over body fields', async () => {
    const t = await createTenant()
    const other = await t.addApp()
    expect(await rest('PUT', `/app/${t.appId}`, { key: t.keys.write, body: { app_id: other, name: 'Renamed' } })).toMatchObject({
      status: 200,
      body: { app_id: t.appId, name: 'Renamed' },
    })
    expect(await rest('GET', `/app/${other}`, { key: t.keys.read })).toMatchObject({ status: 200, body: { name: `App ${other}` } })
  })
})

describe('REST paths and answers', () => {
  it('answers the procedure output as JSON, byte for byte what the procedure returns', async () => {
    const t = await createTenant()
    await rest('POST', '/channel', { key: t.keys.write, body: { app_id: t.appId, channel: 'production', public: true } })
    const res = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    const { app } = await getApp()
    const raw = await app.inject({ method: 'GET', url: `/channel?app_id=${t.appId}`, headers: { authorization: t.keys.read } })
    expect(raw.body).toBe(JSON.stringify(await (await trpc(t.keys.read)).channel.get({ app_id: t.appId })))
  })

  it('matches a path with a trailing slash but not in another case; /app/ is the list', async () => {
    const t = await createTenant()
    const list = await rest('GET', '/channel', { key: t.keys.read, query: { app_id: t.appId } })
    expect(await rest('GET', '/channel/', { key: t.keys.read, query: { app_id: t.appId } })).toMatchObject({ status: 200, body: list.body })
    expect(await rest('GET', '/CHANNEL', { key: t.keys.read, query: { app_id: t.appId } })).toMatchObject({ status: 404, body: NOT_FOUND })
    expect(await rest('GET', `/app/${t.appId}/`, { key: t.keys.read })).toMatchObject({ status: 200, body: { app_id: t.appId } })
    const apps = await rest('GET', '/app', { key: t.keys.read })
    expect(await rest('GET', '/app/', { key: t.keys.read })).toMatchObject({ status: 200, body: apps.body })
  })

  it('percent-decodes path parameters', async () => {
    const t = await createTenant()
    expect(await rest('GET', `/app/${t.appId.replaceAll('.', '%2E')}`, { key: t.keys.read })).toMatchObject({
      status: 200,
      body: { app_id: t.appId },
    })
  })

  it('unknown paths and wrong methods are 404 not_found; HEAD is a GET without its body, 404 on unknown paths', async () => {
    const t = await createTenant()
    expect(await rest('GET', '/no-such-endpoint', { key: t.keys.read })).toMatchObject({ status: 404, body: NOT_FOUND })
    expect(await rest('PUT', '/channel', { key: t.keys.write, body: { app_id: t.appId } })).toMatchObject({ status: 404, body: NOT_FOUND })
    expect(await rest('PATCH', '/channel', { key: t.keys.write })).toMatchObject({ status: 404, body: NOT_FOUND })
    const { app } = await getApp()
    const get = await app.inject({ method: 'GET', url: `/channel?app_id=${t.appId}`, headers: { authorization: t.keys.read } })
    const head = await app.inject({ method: 'HEAD', url: `/channel?app_id=${t.appId}`, headers: { authorization: t.keys.read } })
    expect([head.statusCode, head.body, head.headers['content-type']]).toEqual([200, '', get.headers['content-type']])
    const unknown = await app.inject({ method: 'HEAD', url: '/no-such-endpoint', headers: { authorization: t.keys.read } })
    expect([unknown.statusCode, unknown.body]).toEqual([404, ''])
    const stats = await app.inject({
      method: 'HEAD',
      url: '/statistics/user?from=2026-01-01&to=2026-01-02',
      headers: { authorization: t.keys.read },
    })
    expect(stats.statusCode).toBe(200)
  })

  it('unknown paths count toward the rate limit like any route', async () => {
    const { database } = await getApp()
    const app = await buildTestApp(database, { rateLimit: { max: 2 } })
    for (let i = 0; i < 2; i++) expect((await restOn(app, 'GET', '/no-such-endpoint')).status).toBe(404)
    expect(await restOn(app, 'GET', '/no-such-endpoint')).toMatchObject({ status: 429, body: { error: 'too_many_requests' } })
  })
})

describe('REST on a router of its own', () => {
  const t = initTRPC.meta<OpenApiMeta>().create()
  const router = t.router({
    list: t.procedure
      .meta({ openapi: { method: 'GET', path: '/list' } })
      .input(z.object({ tags: z.array(z.string()), ids: z.array(z.string()).optional(), name: z.string().optional() }))
      .query(({ input }) => input),
    remove: t.procedure
      .meta({ openapi: { method: 'DELETE', path: '/list/{id}' } })
      .input(z.object({ id: z.string(), ids: z.array(z.string()).optional() }))
      .mutation(({ input }) => input),
    ping: t.procedure
      .meta({ openapi: { method: 'GET', path: '/ping' } })
      .input(z.void())
      .query(({ input }) => ({ void: input === undefined })),
    boom: t.procedure
      .meta({ openapi: { method: 'POST', path: '/boom' } })
      .input(z.object({}))
      .mutation(() => {
        throw new Error('kaboom')
      }),
  })
  const logs: string[] = []
  const build = async () => {
    const app = Fastify({ logger: { level: 'error', stream: logInto(logs) } })
    await app.register(restRoutes, { router, createContext: () => ({}) as never })
    await app.ready()
    return app
  }

  it('wraps an array field given once into an array, in the query and in a DELETE body', async () => {
    const app = await build()
    const get = async (url: string) => JSON.parse((await app.inject({ method: 'GET', url })).body)
    expect(await get('/list?tags=a&ids=x&name=n')).toEqual({ tags: ['a'], ids: ['x'], name: 'n' })
    expect(await get('/list?tags=a&tags=b')).toEqual({ tags: ['a', 'b'] })
    const del = await app.inject({ method: 'DELETE', url: '/list/7', payload: { ids: ['x'], id: 'ignored' } })
    expect(JSON.parse(del.body)).toEqual({ id: '7', ids: ['x'] })
  })

  it('a void input gets undefined, whatever the query', async () => {
    const app = await build()
    expect(JSON.parse((await app.inject({ method: 'GET', url: '/ping?x=1' })).body)).toEqual({ void: true })
  })

  it('an unexpected error is a logged 500 unknown_error in the envelope', async () => {
    const app = await build()
    const res = await app.inject({ method: 'POST', url: '/boom', payload: {} })
    expect([res.statusCode, JSON.parse(res.body)]).toEqual([
      500,
      { status: 'KO', error: 'unknown_error', message: 'An unexpected error occurred.' },
    ])
    expect(logs.some((l) => l.includes('request failed') && l.includes('kaboom'))).toBe(true)
  })
})

describe('REST input schemas', () => {
  // trpc-to-openapi set z.coerce on the number/boolean/bigint/date leaves of every input it served
  // (mutating the schemas tRPC uses too; none had such a leaf when it was replaced). The REST layer
  // coerces nothing, so what a query gives must be parsed by the schema itself (intParam, z.stringbool).
  const COERCIBLE = [z.ZodNumber, z.ZodBoolean, z.ZodBigInt, z.ZodDate]
  /** a field's leaf under wrappers and arrays; a pipe (intParam's preprocess) parses strings itself */
  const leaf = (s: z.ZodType): z.ZodType => {
    for (;;) {
      const inner = unwrapWrapper(s)
      if (inner !== s) s = inner
      else if (s instanceof z.ZodArray) s = s.element as z.ZodType
      else return s
    }
  }
  function coercible(fields: Record<string, z.ZodType>, at: string, out: string[]) {
    for (const [key, field] of Object.entries(fields)) {
      const s = leaf(field)
      if (COERCIBLE.some((type) => s instanceof type)) out.push(`${at}.${key}`)
      else if (s instanceof z.ZodObject) coercible(s.shape, `${at}.${key}`, out)
    }
  }

  it('no GET or DELETE operation has an input field that only coercion could satisfy', () => {
    const found: string[] = []
    for (const [path, proc] of Object.entries<any>(appRouter._def.procedures)) {
      if (!['GET', 'DELETE'].includes(proc._def.meta?.openapi?.method)) continue
      coercible(inputFields(proc._def.inputs), path, found)
    }
    expect(found).toEqual([])
  })
})

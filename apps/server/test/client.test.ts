// @capgo-api/client against a server listening on a real port: typed calls, batching, typed errors,
// and a bundle free of server code.
import path from 'node:path'
import { CapgoError, createClient, errorCode, isCapgoError, type RouterInputs, type RouterOutputs } from '@capgo-api/client'
import { build } from 'esbuild'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { listenUrl, REPO_ROOT, SLOW } from './docs-helpers.ts'
import { createTenant } from './harness.ts'

/** A fetch that counts the HTTP requests the client makes. */
function countingFetch() {
  const calls: string[] = []
  const f: typeof fetch = (input, init) => {
    calls.push(String(input instanceof Request ? input.url : input))
    return fetch(input, init)
  }
  return { calls, fetch: f }
}

/** The CapgoError a call throws (fails the test if it succeeds or throws something else). */
async function failure(call: Promise<unknown>): Promise<CapgoError> {
  try {
    await call
  } catch (e) {
    if (e instanceof CapgoError) return e
    throw e
  }
  throw new Error('expected the call to fail')
}

describe('@capgo-api/client', () => {
  it('calls the running server with typed inputs and outputs', async () => {
    const t = await createTenant()
    const client = createClient({ url: await listenUrl(), apiKey: t.keys.write })
    await client.channel.upsert.mutate({ app_id: t.appId, channel: 'prod', public: true })
    const channels = await client.channel.get.query({ app_id: t.appId })
    expect(Array.isArray(channels) && channels.map((c) => c.name)).toEqual(['prod'])
    const app = await client.app.get.query({ app_id: t.appId })
    expect(app.owner_org).toBe(t.orgId)
    expectTypeOf(app).toEqualTypeOf<RouterOutputs['app']['get']>()
    expectTypeOf<RouterInputs['channel']['upsert']>().toHaveProperty('app_id')
    // @ts-expect-error: app_id is required
    await expect(client.app.get.query({})).rejects.toBeInstanceOf(CapgoError)
  })

  it('batches the calls of one tick into one HTTP request (and not with batch: false)', async () => {
    const t = await createTenant()
    const url = await listenUrl()
    const counted = countingFetch()
    const client = createClient({ url, apiKey: t.keys.read, fetch: counted.fetch })
    const [apps, app, channels] = await Promise.all([
      client.app.list.query({}),
      client.app.get.query({ app_id: t.appId }),
      client.channel.get.query({ app_id: t.appId }),
    ])
    expect(apps.map((a) => a.app_id)).toEqual([t.appId])
    expect(app.app_id).toBe(t.appId)
    expect(channels).toEqual([])
    expect(counted.calls).toHaveLength(1)
    expect(counted.calls[0]).toContain('/trpc/app.list,app.get,channel.get?batch=1')

    const unbatched = countingFetch()
    const single = createClient({ url, apiKey: t.keys.read, fetch: unbatched.fetch, batch: false })
    await Promise.all([single.app.list.query({}), single.app.get.query({ app_id: t.appId })])
    expect(unbatched.calls).toHaveLength(2)
  })

  it('throws CapgoError with the contract error code, HTTP status and issues', async () => {
    const t = await createTenant()
    const url = await listenUrl()
    const reader = createClient({ url, apiKey: t.keys.read })
    const weak = await reader.channel.upsert.mutate({ app_id: t.appId, channel: 'x' }).catch((err: unknown) => err)
    expect(weak).toBeInstanceOf(CapgoError)
    expect(isCapgoError(weak) && { code: weak.code, status: weak.httpStatus, name: weak.name }).toEqual({
      code: 'insufficient_key_mode',
      status: 403,
      name: 'CapgoError',
    })
    expect(errorCode(weak)).toBe('insufficient_key_mode')

    const missing = await failure(reader.app.get.query({ app_id: 'com.does.not.exist' }))
    expect([missing.code, missing.httpStatus, missing.message]).toEqual(['app_not_found', 404, 'App not found.'])

    const invalid = await failure(reader.channel.get.query({ app_id: 'not an app id' }))
    expect([invalid.code, invalid.httpStatus]).toEqual(['invalid_app_id', 400])
    expect(invalid.issues?.[0]?.path).toBe('app_id')

    // in a batch, each call fails or succeeds on its own
    const [ok, bad] = await Promise.allSettled([
      reader.app.get.query({ app_id: t.appId }),
      reader.app.get.query({ app_id: 'com.nope.nope' }),
    ])
    expect(ok.status).toBe('fulfilled')
    expect(bad.status === 'rejected' && (bad.reason as CapgoError).code).toBe('app_not_found')

    const stranger = createClient({ url, apiKey: 'nope' })
    expect(errorCode(await stranger.app.list.query({}).catch((err: unknown) => err))).toBe('invalid_apikey')

    // no server answering: still a CapgoError, without a code
    const down = createClient({ url: 'http://127.0.0.1:9', apiKey: 'x' })
    const net = await failure(down.app.list.query({}))
    expect(net).toBeInstanceOf(CapgoError)
    expect(net.code).toBeUndefined()
  })

  it(
    'bundles without any server code (types only from the api)',
    async () => {
      const out = await build({
        entryPoints: [path.join(REPO_ROOT, 'packages/client/src/index.ts'), path.join(REPO_ROOT, 'apps/example/src/main.ts')],
        bundle: true,
        write: false,
        metafile: true,
        platform: 'browser',
        format: 'esm',
        outdir: '/tmp/capgo-client-bundle',
        logLevel: 'silent',
      })
      const inputs = Object.keys(out.metafile.inputs)
      // workspace files: only the client and the example; packages: only tRPC's client runtime
      const ours = inputs.filter((f) => !f.includes('node_modules/'))
      expect(ours.sort()).toEqual(['apps/example/src/main.ts', 'packages/client/src/index.ts'])
      const packages = new Set(
        inputs.filter((f) => f.includes('node_modules/')).map((f) => f.split('node_modules/').pop()!.split('/').slice(0, 2).join('/')),
      )
      expect([...packages].sort()).toEqual(['@trpc/client', '@trpc/server'])
      const trpcServer = inputs
        .filter((f) => f.includes('node_modules/@trpc/server/'))
        .map((f) => f.split('node_modules/@trpc/server/').pop())
      expect(
        trpcServer.filter((f) => /adapters|http\/|fastify/.test(f!)),
        'no tRPC server adapters',
      ).toEqual([])
      const bytes = out.outputFiles.reduce((n, f) => n + f.contents.length, 0)
      expect(bytes).toBeLessThan(200_000)
    },
    SLOW,
  )
})

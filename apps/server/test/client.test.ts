// The typed client against a server listening on a real port.
import { createClient, errorCode } from '@capgo-api/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTenant, getApp } from './harness.ts'

let url = ''
beforeAll(async () => {
  const { app } = await getApp()
  url = await app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => (await getApp()).app.close())

describe('@capgo-api/client', () => {
  it('calls the running server with typed inputs and outputs', async () => {
    const t = await createTenant()
    const client = createClient({ url, apiKey: t.keys.write })
    await client.channel.upsert.mutate({ app_id: t.appId, channel: 'prod', public: true })
    const [channels, app] = await Promise.all([client.channel.get.query({ app_id: t.appId }), client.app.get.query({ app_id: t.appId })]) // batched
    expect(Array.isArray(channels) && channels.map((c) => c.name)).toEqual(['prod'])
    expect(app.owner_org).toBe(t.orgId)
  })

  it('exposes the contract error code on failures', async () => {
    const t = await createTenant()
    const client = createClient({ url, apiKey: t.keys.read })
    const e = await client.channel.upsert.mutate({ app_id: t.appId, channel: 'x' }).catch((err: unknown) => err)
    expect(errorCode(e)).toBe('insufficient_key_mode')
    const bad = createClient({ url, apiKey: 'nope' })
    expect(errorCode(await bad.app.list.query({}).catch((err: unknown) => err))).toBe('invalid_apikey')
  })
})

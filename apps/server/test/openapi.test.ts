import { describe, expect, it } from 'vitest'
import { rest } from './harness.ts'

describe('/openapi.json and /docs', () => {
  it('is an OpenAPI 3 document describing every REST operation', async () => {
    const res = await rest('GET', '/openapi.json')
    expect(res.status).toBe(200)
    const doc = res.body
    expect(doc.openapi).toMatch(/^3\./)
    expect(doc.components.securitySchemes.apikey).toMatchObject({ type: 'apiKey', in: 'header', name: 'authorization' })
    const ops = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) => Object.entries(item).map(([method, op]: [string, any]) => ({ path, method, op })))
    const names = ops.map((o) => `${o.method.toUpperCase()} ${o.path}`)
    for (const expected of ['GET /app', 'GET /app/{app_id}', 'POST /app', 'PUT /app/{app_id}', 'DELETE /app/{app_id}', 'GET /channel', 'POST /channel', 'DELETE /channel']) {
      expect(names).toContain(expected)
    }
    for (const { op, method, path } of ops) {
      expect(op.tags?.length, `${method} ${path} tags`).toBeGreaterThan(0)
      expect(op.summary, `${method} ${path} summary`).toBeTruthy()
      expect(op.responses['200'].content['application/json'].schema, `${method} ${path} response`).toBeTruthy()
      expect(op.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error')
    }
    const getChannel = doc.paths['/channel'].get
    expect(getChannel.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['app_id', 'channel', 'page']))
  })

  it('serves the interactive docs page', async () => {
    const res = await rest('GET', '/docs/')
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toContain('text/html')
  })

  it('/ok answers without a key', async () => {
    expect(await rest('GET', '/ok')).toMatchObject({ status: 200, body: { status: 'ok' } })
  })
})

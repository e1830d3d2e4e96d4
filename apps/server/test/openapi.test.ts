// /openapi.json: complete for every operation (whatever domains are merged): tags, descriptions,
// valid examples, no orphan schema, a README curl line each. Its error responses: openapi.responses.test.ts.

import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { deref, openApiDocument, operationsOf, REPO_ROOT } from './docs-helpers.ts'
import { bodySchema, name, proceduresByOperation, schemasByOperation } from './openapi-helpers.ts'

/** Every value of a JSON tree, with its path. */
function* leaves(v: unknown, at = ''): Generator<[string, unknown]> {
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) yield* leaves(x, `${at}.${k}`)
  else yield [at, v]
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3 document with the authorization security scheme and the Error envelope', async () => {
    const doc = await openApiDocument()
    expect(doc.openapi).toMatch(/^3\./)
    expect(doc.info.title).toBe('capgo-api')
    expect(doc.components.securitySchemes.authorization).toMatchObject({ type: 'apiKey', in: 'header', name: 'authorization' })
    expect(doc.components.schemas.Error).toMatchObject({ type: 'object', required: expect.arrayContaining(['status', 'error', 'message']) })
    expect(Object.keys(doc.components.schemas.Error.properties)).toEqual(expect.arrayContaining(['status', 'error', 'message', 'issues']))
    const names = operationsOf(doc).map(name)
    for (const expected of [
      'GET /app',
      'GET /app/{app_id}',
      'POST /app',
      'PUT /app/{app_id}',
      'DELETE /app/{app_id}',
      'GET /channel',
      'POST /channel',
      'DELETE /channel',
    ]) {
      expect(names).toContain(expected)
    }
  })

  it('every operation has a tag, a summary, a description and, unless public, the security scheme', async () => {
    const doc = await openApiDocument()
    const tagNames = doc.tags.map((t: any) => t.name)
    for (const o of operationsOf(doc)) {
      expect(o.op.tags?.length, `${name(o)} tags`).toBeGreaterThan(0)
      for (const t of o.op.tags) expect(tagNames, `${name(o)} tag ${t} declared`).toContain(t)
      expect(o.op.summary, `${name(o)} summary`).toBeTruthy()
      expect(o.op.description, `${name(o)} description`).toBeTruthy()
      expect(o.op.responses['200'].content['application/json'].schema, `${name(o)} response`).toBeTruthy()
      if (o.op.security) expect(o.op.security).toEqual([{ authorization: [] }])
      else expect(o.op.responses['401'], `${name(o)} is public: no 401`).toBeUndefined()
    }
  })

  it('every parameter and every body property has a description and an example, and the examples are valid input', async () => {
    const doc = await openApiDocument()
    const procedures = proceduresByOperation()
    for (const o of operationsOf(doc)) {
      const fields = procedures.get(name(o))
      expect(fields, `${name(o)} comes from a procedure`).toBeDefined()
      const examples: Record<string, unknown> = {}
      for (const p of o.op.parameters ?? []) {
        const where = `${name(o)} parameter ${p.name}`
        expect(p.description ?? p.schema?.description, `${where} description`).toBeTruthy()
        expect(p.example ?? p.schema?.example, `${where} example`).toBeDefined()
        examples[p.name] = p.example ?? p.schema.example
      }
      const body = bodySchema(doc, o.op)
      for (const [prop, raw] of Object.entries((body?.properties ?? {}) as Record<string, any>)) {
        const s = deref(doc, raw)
        const where = `${name(o)} body property ${prop}`
        expect(raw.description ?? s.description, `${where} description`).toBeTruthy()
        const example = raw.example ?? s.example ?? s.examples?.[0]
        expect(example, `${where} example`).toBeDefined()
        examples[prop] = example
      }
      for (const [field, value] of Object.entries(examples)) {
        const schema = fields?.[field]
        expect(schema, `${name(o)} field ${field} is an input`).toBeDefined()
        const parsed = schema!.safeParse(value)
        expect(parsed.success, `${name(o)} example of ${field} (${JSON.stringify(value)}) is valid: ${parsed.error?.message}`).toBe(true)
      }
    }
  })

  it('examples of answers and bodies are complete and valid: the procedure parses them, no placeholder text', async () => {
    const doc = await openApiDocument()
    const schemas = schemasByOperation()
    for (const o of operationsOf(doc)) {
      const { inputs, output } = schemas.get(name(o))!
      const media = o.op.responses['200'].content['application/json']
      const answers = media.examples ? Object.values<any>(media.examples).map((e) => e.value) : [media.example]
      expect(answers.length, `${name(o)} has an example answer`).toBeGreaterThan(0)
      for (const answer of answers) {
        expect(answer, `${name(o)} example answer`).toBeDefined()
        const parsed = output!.safeParse(answer)
        expect(parsed.success, `${name(o)} example answer ${JSON.stringify(answer)}: ${parsed.error?.message}`).toBe(true)
      }
      const body = o.op.requestBody?.content['application/json']
      if (body) {
        let parsed: any = { success: true }
        // REST puts the path parameters into the input
        const path = Object.fromEntries((o.op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => [p.name, p.example]))
        for (const input of inputs) if (parsed.success) parsed = input.safeParse({ ...path, ...body.example })
        expect(parsed.success, `${name(o)} example body ${JSON.stringify(body.example)}: ${parsed.error?.message}`).toBe(true)
      }
      // what Swagger UI used to show: the type's name as a value, JavaScript's safe-integer bounds
      for (const [at, v] of leaves({ answers, body: body?.example })) {
        expect(v, `${name(o)} ${at}`).not.toBe('string')
        expect(Math.abs(Number(v)), `${name(o)} ${at}`).not.toBe(Number.MAX_SAFE_INTEGER)
      }
    }
    expect(JSON.stringify(doc)).not.toContain(String(Number.MAX_SAFE_INTEGER))
  })

  it('has no orphan component schemas: each one is reached from an operation', async () => {
    const doc = await openApiDocument()
    const reached = new Set<string>()
    const visit = (node: unknown) => {
      if (!node || typeof node !== 'object') return
      const r = (node as { $ref?: unknown }).$ref
      if (typeof r === 'string' && r.startsWith('#/components/schemas/')) {
        const n = r.slice('#/components/schemas/'.length)
        if (!reached.has(n)) {
          reached.add(n)
          visit(doc.components.schemas[n])
        }
      }
      for (const v of Object.values(node)) visit(v)
    }
    visit(doc.paths)
    expect(Object.keys(doc.components.schemas).sort()).toEqual([...reached].sort())
    expect(Object.keys(doc.components.schemas).filter((n) => n.startsWith('error.'))).toEqual([])
  })

  it('the README has a curl example of every operation', async () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
    const examples = readme
      .split('\n')
      .filter((l) => /^curl /.test(l.trim()))
      .map((line) => {
        const method = /-X\s+([A-Z]+)/.exec(line)?.[1] ?? (/\s-d\s/.test(line) ? 'POST' : 'GET')
        const url = /localhost:3000(\/[^\s?"']*)/.exec(line)?.[1] ?? ''
        return { method, url }
      })
    for (const o of operationsOf(await openApiDocument())) {
      const re = new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`)
      expect(
        examples.some((e) => e.method === o.method && re.test(e.url)),
        `README: curl example of ${name(o)}`,
      ).toBe(true)
    }
  })
})

describe('/openapi.json charts', () => {
  it('documents the SVG answer of the statistics operations', async () => {
    const doc = await openApiDocument()
    for (const path of ['/statistics/app/{app_id}', '/statistics/org/{org_id}', '/statistics/user']) {
      const content = doc.paths[path].get.responses['200'].content
      expect(Object.keys(content).sort(), path).toEqual(['application/json', 'image/svg+xml'])
    }
  })
})

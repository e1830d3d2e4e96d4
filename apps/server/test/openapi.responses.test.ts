// /openapi.json error responses: each in the envelope with the codes of its status, specific to its
// operation, and true to what the server answers.

import { ERRORS, type ProcedureMeta } from '@capgo-api/api'
import { initTRPC } from '@trpc/server'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { deref, documentedCodes, openApiDocument, operationsOf } from './docs-helpers.ts'
import { createTenant, rest } from './harness.ts'
import { bodySchema, name, schemasByOperation } from './openapi-helpers.ts'

const ERROR_REF = '#/components/schemas/Error'
const BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE']

/** error code → status and message, from the catalogue */
const statusOf = (code: string) => (ERRORS as Record<string, readonly [number, string]>)[code]?.[0]
const messageOf = (code: string) => (ERRORS as Record<string, readonly [number, string]>)[code]?.[1]
/** The codes a 200 answer may carry in its `error` field (the enum of a variant's `error`). */
const okBodyCodes = (doc: any, op: any): string[] => {
  const s = deref(doc, op.responses['200'].content['application/json'].schema)
  return [s, ...(s.anyOf ?? [])].flatMap((v: any) => deref(doc, v).properties?.error?.enum ?? [])
}
/** the codes in backquotes of a text (the error table of an operation's description) */
const codesIn = (description: string) => [...description.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]!)

/** Codes the contract gives another status than the catalogue's on one operation (meta.errorStatus). */
const CONTRACT_STATUS: Record<string, Record<string, number>> = {
  'PUT /channel_self': { channel_not_found: 400 }, // SPEC section 3: the plugin falls back to its own channel on exactly that
}

describe('/openapi.json', () => {
  it('every error response uses the Error envelope with `error` narrowed to its codes, each of that status, all in the table', async () => {
    const doc = await openApiDocument()
    // the envelope's `error` is the enum of the whole catalogue (a union for generated clients)
    expect(doc.components.schemas.Error.properties.error.enum.sort()).toEqual(Object.keys(ERRORS).sort())
    for (const o of operationsOf(doc)) {
      const statuses = Object.keys(o.op.responses).filter((s) => s !== '200')
      expect(statuses, `${name(o)} has 500 and 503`).toEqual(expect.arrayContaining(['500', '503']))
      const table = o.op.description.slice(o.op.description.indexOf('**Errors**'))
      for (const s of statuses) {
        const r = o.op.responses[s]
        const media = r.content['application/json']
        expect(media.schema.allOf[0].$ref, `${name(o)} ${s}`).toBe(ERROR_REF)
        const codes = documentedCodes(r)
        expect(codes.length, `${name(o)} ${s} lists codes: name them in the meta, errors: ['…']`).toBeGreaterThan(0)
        for (const c of codes)
          expect(CONTRACT_STATUS[name(o)]?.[c] ?? statusOf(c), `${name(o)} ${s}: ${c} is a catalogue code of that status`).toBe(Number(s))
        // one example per code, in the envelope
        expect(Object.keys(media.examples)).toEqual(codes)
        for (const c of codes) expect(media.examples[c].value).toEqual({ status: 'KO', error: c, message: messageOf(c) })
        // the table names each code once, on the row of its status; the response's own text is short
        for (const c of codes) {
          expect(
            codesIn(table).filter((x) => x === c),
            `${name(o)} table lists ${c} once`,
          ).toHaveLength(1)
          expect(table, `${name(o)} table: ${c} on a ${s} row`).toMatch(new RegExp(`\\| ${s} \\|[^\\n]*\`${c}\``))
        }
        expect(r.description).not.toContain('`')
      }
      // nothing in the table that no response documents: the other codes are those of a 200 answer's `error`
      const all = statuses.flatMap((s) => documentedCodes(o.op.responses[s]))
      expect(codesIn(table).filter((c) => !all.includes(c))).toEqual(okBodyCodes(doc, o.op))
      if (o.op.security) {
        expect(documentedCodes(o.op.responses['401'])).toEqual(expect.arrayContaining(['no_key_provided', 'invalid_apikey']))
        // a read key passes the key-mode check of a read operation
        const keyMode = schemasByOperation().get(name(o))?.meta.keyMode
        if (keyMode === 'read') expect(documentedCodes(o.op.responses['403'])).not.toContain('insufficient_key_mode')
        else expect(documentedCodes(o.op.responses['403'])).toContain('insufficient_key_mode')
      }
      if (BODY_METHODS.includes(o.method)) {
        expect(o.op.responses['413'], `${name(o)} 413`).toBeDefined()
        // a DELETE takes its fields from the query; a body of another type is ignored
        if (o.method === 'DELETE') expect(o.op.responses['415'], `${name(o)} 415`).toBeUndefined()
        else expect(o.op.responses['415'], `${name(o)} 415`).toBeDefined()
      } else {
        expect(o.op.responses['413'], `${name(o)} has no body: no 413`).toBeUndefined()
      }
    }
  })

  it('error responses are specific to each operation', async () => {
    const doc = await openApiDocument()
    const codes = (p: string, m: string, s: number) => documentedCodes(doc.paths[p][m].responses[s])
    // listing apps: nothing to find, nothing to conflict with
    expect(doc.paths['/app'].get.responses['404']).toBeUndefined()
    expect(doc.paths['/app'].get.responses['409']).toBeUndefined()
    // creating an app: 409 on a taken id, 400 when the organization is ambiguous
    expect(codes('/app', 'post', 409)).toEqual(['app_already_exists'])
    expect(codes('/app', 'post', 400)).toEqual(
      expect.arrayContaining(['invalid_input', 'invalid_app_id', 'invalid_json', 'missing_owner_org']),
    )
    expect(codes('/app/{app_id}', 'get', 404)).toEqual(['app_not_found'])
    expect(codes('/channel', 'get', 404)).toEqual(expect.arrayContaining(['app_not_found', 'channel_not_found']))
    expect(codes('/channel', 'post', 404)).toEqual(expect.arrayContaining(['app_not_found', 'version_not_found']))
    expect(codes('/channel', 'delete', 403)).toEqual(expect.arrayContaining(['insufficient_key_mode', 'insufficient_role']))
  })

  it('lists the declared meta.errors and the generic codes the procedure kind implies', () => {
    const t = initTRPC.meta<ProcedureMeta>().create()
    const input = z.object({
      app_id: z
        .string()
        .regex(/^a\.b$/, 'invalid_app_id')
        .meta({ description: 'app', example: 'a.b' }),
    })
    const out = z.object({ ok: z.boolean() })
    const router = t.router({
      device: t.procedure
        .meta({ errors: ['invalid_app_id'], openapi: { method: 'POST', path: '/updates', tags: ['plugin'], summary: 's', protect: false } })
        .input(input)
        .output(out)
        .mutation(() => ({ ok: true })),
      declared: t.procedure
        .meta({
          errors: ['app_not_found', 'version_already_exists'],
          openapi: { method: 'POST', path: '/thing', tags: ['x'], summary: 's' },
        })
        .input(input)
        .output(out)
        .mutation(() => ({ ok: true })),
      undeclared: t.procedure
        .meta({ openapi: { method: 'GET', path: '/thing', tags: ['x'], summary: 's' } })
        .input(input)
        .output(out)
        .query(() => ({ ok: true })),
      noInput: t.procedure
        .meta({ errors: ['app_not_found'], openapi: { method: 'GET', path: '/plain', tags: ['x'], summary: 's' } })
        .output(out)
        .query(() => ({ ok: true })),
    })
    const doc = buildOpenApiDocument('/', { router, rateLimited: true }) as any
    const statuses = (p: string, m: string) => Object.keys(doc.paths[p][m].responses)
    const codes = (p: string, m: string, s: number) => documentedCodes(doc.paths[p][m].responses[s])
    // a public operation (protect: false): no key, so no 401/403 and no security
    expect(statuses('/updates', 'post')).toEqual(['200', '400', '408', '413', '415', '429', '500', '503'])
    expect(doc.paths['/updates'].post.security).toBeUndefined()
    expect(codes('/updates', 'post', 400)).toEqual(['invalid_input', 'invalid_characters', 'invalid_app_id', 'invalid_json'])
    // declared domain codes; their statuses follow the catalogue
    expect(statuses('/thing', 'post')).toEqual(['200', '400', '401', '403', '404', '408', '409', '413', '415', '429', '500', '503'])
    expect(codes('/thing', 'post', 409)).toEqual(['version_already_exists'])
    expect(codes('/thing', 'post', 403)).toEqual(['insufficient_key_mode'])
    // nothing declared: only the generic codes (a schema's own codes are not guessed)
    expect(codes('/thing', 'get', 400)).toEqual(['invalid_input', 'invalid_characters'])
    expect(statuses('/thing', 'get')).toEqual(['200', '400', '401', '403', '429', '500', '503'])
    // no input, no 400
    expect(statuses('/plain', 'get')).toEqual(['200', '401', '403', '404', '429', '500', '503'])
    expect(doc.tags.map((x: any) => x.name)).toEqual(['plugin', 'x'])
  })

  it('what the server answers is documented: each operation without a key and with a read key on its examples', async () => {
    const doc = await openApiDocument()
    const t = await createTenant()
    for (const o of operationsOf(doc)) {
      let url = o.path
      const query: Record<string, string> = {}
      for (const p of o.op.parameters ?? []) {
        const v = String(p.example ?? p.schema?.example)
        if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v))
        else if (p.in === 'query') query[p.name] = v
      }
      const body = bodySchema(doc, o.op)
      const payload = body
        ? Object.fromEntries(Object.entries(body.properties ?? {}).map(([k, s]: [string, any]) => [k, s.example ?? deref(doc, s).example]))
        : undefined
      for (const key of [undefined, t.keys.read]) {
        const res = await rest(o.method as never, url, { key, query, body: payload })
        const where = `${name(o)} ${key ? 'read key' : 'no key'} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`
        if (!key && o.op.security) expect(res.body.error, `${where}: protected`).toBe('no_key_provided')
        if (res.status === 200) continue
        const documented = o.op.responses[String(res.status)]
        expect(documented, `${where}: status documented`).toBeDefined()
        expect(res.body.status, where).toBe('KO')
        expect(documentedCodes(documented), `${where}: code documented`).toContain(res.body.error)
        // the examples are valid: a read key never meets a validation error on a read
        if (key && o.method === 'GET') expect(res.body.error, where).not.toBe('invalid_input')
      }
    }
  })

  it('/updates documents its no-update answers as HTTP 200 variants (an unknown app is one), not as errors', async () => {
    const doc = await openApiDocument()
    const op = doc.paths['/updates'].post
    expect(op.responses['404']).toBeUndefined()
    const noUpdate = doc.components.schemas.NoUpdate
    expect(noUpdate.properties.error.enum).toEqual(expect.arrayContaining(['app_not_found', 'no_new_version_available', 'no_channel']))
    expect(Object.keys(op.responses['200'].content['application/json'].examples)).toEqual(['UpdateAvailable', 'BuiltinUpdate', 'NoUpdate'])
    expect(op.description).toMatch(/\| 200 \|[^\n]*`app_not_found`/)
    // and that is what the server answers
    const res = await rest('POST', '/updates', {
      body: {
        app_id: 'com.nowhere.nothing',
        device_id: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f',
        platform: 'ios',
        version_name: '1.0.0',
        version_build: '1.0.0',
        plugin_version: '8.51.0',
      },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ error: 'app_not_found', kind: 'failed' })
  })
})

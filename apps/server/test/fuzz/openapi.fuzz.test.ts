// Property-based fuzzing of every REST operation of /openapi.json (fast-check): requests built
// from the schemas, then corrupted with wrong types, missing fields, huge strings, odd unicode,
// SQL/JSON injection text, malformed JSON, wrong content types and oversized bodies. Whatever
// comes in: never a 5xx, every error in the envelope with a status and code the operation
// documents, and the invalid requests change nothing.
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import { documentedCodes } from '../docs-helpers.ts'
import { buildTestApp, createTenant, isolatedDatabase, snapshotDb, type Tenant } from '../harness.ts'
import { buildRequest, mainVariant, type Operation, operations, resolve, type Schema, typeOf } from '../security/openapi-cases.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20260101)
const ANY_RUNS = Number(process.env.FUZZ_ANY_RUNS ?? 2600)
const INVALID_RUNS = Number(process.env.FUZZ_INVALID_RUNS ?? 6600)
const CONCURRENCY = 8

const INJECTIONS = [
  "' OR '1'='1",
  '\'; DROP TABLE "App"; --',
  '" OR 1=1 --',
  '1; SELECT pg_sleep(5); --',
  '%\' UNION SELECT * FROM "ApiKey" --',
  "\\'",
  '\\',
  '{"$ne": null}',
  '{"$gt": ""}',
  '__proto__',
  'constructor',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as it is
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '%ZZ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  '\u202E\u0041',
  '\uFEFF',
  '𝕏𝕐',
  '👍🏽👨‍👩‍👧',
  'Z̤͔ͧ̑̓',
  'ﷺ',
  '\r\n\r\nX-Injected: 1',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9'.repeat(40),
  'null',
  'true',
  '[]',
  '{}',
  ' ',
  '',
]

const nasty: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 70_000 }).map((n) => 'é'.repeat(n)) },
)
const wrongTyped: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  nasty,
)
const MALFORMED_JSON = [
  '{',
  '{"a":}',
  "{'app_id': 1}",
  '{"a":1,}',
  '[1,2',
  'nul',
  '{"a":NaN}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '\u0000',
  '{"a":"\\uZZZZ"}',
  '{"a":1}{"b":2}',
]
const WRONG_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'image/png',
  'application/json-patch+json; charset=utf-7',
]
const OVERSIZED = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) })
const STRINGBOOL = new Set(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 'y', 'n', 'enabled', 'disabled'])

// ---- does a value break a schema? (decides which corruptions are surely invalid) ----------------
function violates(doc: any, schema: Schema, v: unknown, inQuery: boolean): boolean {
  const s = resolve(doc, schema)
  const alts = s.anyOf ?? s.oneOf
  if (Array.isArray(alts)) return alts.every((a: Schema) => violates(doc, a, v, inQuery))
  const t = typeOf(s)
  // OpenAPI 3.1 writes a nullable field as anyOf [T, {type: 'null'}]: that alternative takes null
  const nullable = s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null')) || s.nullable === true
  if (v === null) return !nullable
  if (inQuery) {
    if (typeof v !== 'string') return false
    if (v === '') return false // an empty query value counts as absent, which an optional field allows
    if (t === 'integer' || t === 'number') return !/^\s*-?\d+\s*$/.test(v) || outOfRange(s, Number(v))
    if (t === 'boolean') return !STRINGBOOL.has(v.toLowerCase())
  }
  switch (t) {
    case 'string':
      if (typeof v !== 'string') return true
      return (
        (s.maxLength !== undefined && v.length > s.maxLength) ||
        (s.minLength !== undefined && v.length < s.minLength) ||
        (s.pattern !== undefined && !new RegExp(s.pattern, 'i').test(v)) ||
        (Array.isArray(s.enum) && !s.enum.includes(v))
      )
    case 'integer':
      return typeof v !== 'number' ? !(typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) : !Number.isInteger(v) || outOfRange(s, v)
    case 'number':
      return typeof v !== 'number' || outOfRange(s, v)
    case 'boolean':
      return typeof v !== 'boolean'
    case 'array':
      return !Array.isArray(v)
    case 'object':
      return typeof v !== 'object' || Array.isArray(v)
    default:
      return false
  }
}
const outOfRange = (s: Schema, n: number) => (s.minimum !== undefined && n < s.minimum) || (s.maximum !== undefined && n > s.maximum)

// ---- cases -------------------------------------------------------------------------------------
interface Field {
  where: 'query' | 'body' | 'path'
  name: string
  schema: Schema
  required: boolean
}

function fieldsOf(doc: any, op: Operation): Field[] {
  const out: Field[] = op.params
    .filter((p) => p.in === 'query' || p.in === 'path')
    .map((p) => ({ where: p.in as 'query' | 'path', name: p.name, schema: p.schema, required: p.required || p.in === 'path' }))
  if (op.body) {
    const s = mainVariant(doc, op.body)
    for (const [name, schema] of Object.entries<Schema>(s.properties ?? {}))
      out.push({ where: 'body', name, schema, required: (s.required ?? []).includes(name) })
  }
  return out
}

type Mutation =
  | { kind: 'set'; field: number; value: unknown }
  | { kind: 'drop'; field: number }
  | { kind: 'extra'; name: string; value: unknown }
  | { kind: 'raw'; payload: string; contentType: string }
  | { kind: 'shape'; body: unknown }
  | { kind: 'badUrl' }

interface Case {
  op: number
  tenant: number
  key: 'all' | 'read' | 'none' | 'garbage'
  mutations: Mutation[]
  invalid: boolean
}

const hasBody = (op: Operation) => op.method === 'POST' || op.method === 'PUT'

/** Corruptions that no valid request can look like, for one operation. */
function invalidating(doc: any, op: Operation, fields: Field[]): fc.Arbitrary<Mutation>[] {
  const arbs: fc.Arbitrary<Mutation>[] = []
  fields.forEach((f, i) => {
    if (f.required && f.where !== 'path' && !(op.method === 'DELETE' && f.where === 'body'))
      arbs.push(fc.constant({ kind: 'drop', field: i }))
    const inQuery = f.where !== 'body'
    const candidates = inQuery ? nasty : wrongTyped
    const s = mainVariant(doc, f.schema)
    const long = s.maxLength !== undefined ? fc.integer({ min: 1, max: 5000 }).map((n) => 'y'.repeat(s.maxLength + n)) : undefined
    const pool = long ? fc.oneof(candidates, long) : candidates
    const breaks = (v: unknown) => violates(doc, f.schema, v, inQuery)
    // only where some value can break the field (a free-form string in a query cannot); probe a
    // bounded sample first, since filtering on an impossible predicate would never return
    if (fc.sample(pool, { numRuns: 300, seed: 1 }).some(breaks))
      arbs.push(pool.filter(breaks).map((value) => ({ kind: 'set', field: i, value })))
  })
  if (hasBody(op) || op.method === 'DELETE')
    arbs.push(fc.constantFrom(...MALFORMED_JSON).map((payload) => ({ kind: 'raw', payload, contentType: 'application/json' })))
  if (hasBody(op)) {
    arbs.push(fc.constantFrom(...WRONG_TYPES).map((contentType) => ({ kind: 'raw', payload: '{"app_id":"com.example.app"}', contentType })))
    arbs.push(fc.constant({ kind: 'raw', payload: OVERSIZED, contentType: 'application/json' }))
    if (fields.some((f) => f.where === 'body' && f.required))
      arbs.push(fc.constantFrom<unknown>([], 42, 'body', true, [{}]).map((body) => ({ kind: 'shape', body })))
  }
  return arbs
}

/** Anything goes: valid or not, typed or not. */
function anyMutation(fields: Field[]): fc.Arbitrary<Mutation> {
  const arbs: fc.Arbitrary<Mutation>[] = [
    fc.record({
      kind: fc.constant('extra' as const),
      name: fc.oneof(nasty, fc.constantFrom('__proto__', 'constructor', 'where', 'select', 'include')),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
    fc.constant({ kind: 'badUrl' as const }),
  ]
  if (fields.length) {
    const field = fc.nat({ max: fields.length - 1 })
    arbs.push(fc.record({ kind: fc.constant('set' as const), field, value: fc.oneof(nasty, wrongTyped) }))
    arbs.push(fc.record({ kind: fc.constant('drop' as const), field }))
  }
  return fc.oneof(...arbs)
}

// ---- running -----------------------------------------------------------------------------------
interface Built {
  inject: InjectOptions
  describe: string
  op: Operation
}

function build(doc: any, op: Operation, fields: Field[], t: Tenant, c: Case): Built {
  const req = buildRequest(doc, op, { appId: t.appId, orgId: t.orgId })
  const query: Record<string, unknown> = { ...req.query }
  let body: unknown = req.body ? { ...req.body } : undefined
  const pathValues: Record<string, string> = {}
  let payload: string | undefined
  let contentType: string | undefined
  let badUrl = false
  for (const m of c.mutations) {
    if (m.kind === 'set' || m.kind === 'drop') {
      const f = fields[m.field]!
      if (f.where === 'body') body ??= {}
      const target = f.where === 'body' ? (body as Record<string, unknown>) : f.where === 'query' ? query : pathValues
      if (m.kind === 'drop') {
        if (f.where === 'path') pathValues[f.name] = ''
        else delete target[f.name]
      } else target[f.name] = f.where === 'body' ? m.value : typeof m.value === 'string' ? m.value : JSON.stringify(m.value)
    } else if (m.kind === 'extra') {
      if (body && typeof body === 'object' && !Array.isArray(body))
        Object.defineProperty(body, m.name, { value: m.value, enumerable: true, configurable: true, writable: true })
      else query[m.name] = JSON.stringify(m.value)
    } else if (m.kind === 'shape') body = m.body
    else if (m.kind === 'raw') [payload, contentType] = [m.payload, m.contentType]
    else badUrl = true
  }
  let url = req.url
  if (Object.keys(pathValues).length) {
    const ids = buildRequest(
      doc,
      op,
      { appId: t.appId, orgId: t.orgId },
      Object.fromEntries(Object.entries(pathValues).map(([k]) => [k, `\0${k}\0`])),
    )
    url = ids.url.replace(/%00(\w+)%00/g, (_m, name: string) => encode(pathValues[name]!))
  }
  const qs = Object.entries(query)
    .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
    .join('&')
  url = `${url}${qs ? `?${qs}` : ''}${badUrl ? `${qs ? '&' : '?'}x=%E0%A4%A&%ZZ=1` : ''}`
  const headers: Record<string, string> = {}
  if (c.key === 'garbage') headers.authorization = `garbage_${c.op}`
  if (payload !== undefined) {
    headers['content-type'] = contentType!
    return { inject: { method: op.method, url, headers, payload }, describe: `${op.id} ${url} ${contentType} ${payload.slice(0, 200)}`, op }
  }
  const hasJson = body !== undefined && op.method !== 'GET'
  if (hasJson) headers['content-type'] = 'application/json'
  return {
    inject: { method: op.method, url, headers, ...(hasJson ? { payload: JSON.stringify(body) } : {}) },
    describe: `${op.id} ${url} ${hasJson ? JSON.stringify(body).slice(0, 300) : ''}`,
    op,
  }
}

/** UTF-8 percent-encoding that never throws (lone surrogates become U+FFFD, as a client would send). */
const encode = (s: string) =>
  encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'))

const SNAKE = /^[a-z][a-z0-9_]*$/
const LEAKS = /prisma|sqlite|postgres|SELECT |INSERT |UPDATE "|\bat [\w.<>]+ \(|node_modules|invalid byte sequence/i

/** The codes an operation's error response of that status documents. */
const codesOf = (doc: any, op: Operation, status: number): string[] =>
  documentedCodes(doc.paths[op.path]?.[op.method.toLowerCase()]?.responses?.[status])

function check(
  doc: any,
  op: Operation,
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  what: string,
  mustFail: boolean,
): string | null {
  if (res.statusCode >= 500) return `${res.statusCode}: ${what} → ${res.body.slice(0, 300)}`
  if (mustFail && res.statusCode < 400) return `invalid request accepted (${res.statusCode}): ${what}`
  if (res.statusCode < 400) return null
  let body: any
  try {
    body = JSON.parse(res.body)
  } catch {
    return `non-JSON error body (${res.statusCode}): ${what} → ${res.body.slice(0, 200)}`
  }
  if (
    body?.status !== 'KO' ||
    typeof body.error !== 'string' ||
    !SNAKE.test(body.error) ||
    typeof body.message !== 'string' ||
    !body.message
  ) {
    return `error outside the envelope (${res.statusCode}): ${what} → ${res.body.slice(0, 300)}`
  }
  if (LEAKS.test(body.message) || LEAKS.test(JSON.stringify(body.issues ?? '')))
    return `internals leaked (${res.statusCode}): ${what} → ${res.body.slice(0, 300)}`
  // not_found is the answer of another path (an emptied path parameter), not of this operation
  if (body.error !== 'not_found' && !codesOf(doc, op, res.statusCode).includes(body.error))
    return `undocumented ${res.statusCode} ${body.error}: ${what}`
  return null
}

async function runAll(app: FastifyInstance, doc: any, items: { built: Built; mustFail: boolean }[]) {
  const failures: string[] = []
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const { built, mustFail } = items[next++]!
      const res = await app.inject(built.inject)
      const f = check(doc, built.op, { statusCode: res.statusCode, body: res.body, headers: res.headers }, built.describe, mustFail)
      if (f) failures.push(f)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return failures
}

describe(`fuzzing /openapi.json (seed ${SEED})`, () => {
  it(`10,000+ generated requests: no 5xx, errors in the envelope, invalid ones change nothing`, async () => {
    const { database } = await isolatedDatabase()
    // no rate limits: their windows are time-based, so which requests reached the handlers (and
    // which a 429 answered) depended on the machine's speed; they have their own tests
    const app = await buildTestApp(database, { rateLimit: false })
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body)
    const ops = operations(doc)
    const fields = ops.map((op) => fieldsOf(doc, op))
    expect(ops.length).toBeGreaterThan(0)

    // phase 1: anything goes (may create and delete), on its own tenants
    const tenants = await Promise.all(Array.from({ length: 6 }, () => createTenant({ database })))
    const keyFor = (t: Tenant, c: Case) => (c.key === 'all' ? t.keys.all : c.key === 'read' ? t.keys.read : undefined)
    const anyCases = fc.sample(
      fc.nat({ max: ops.length - 1 }).chain((op) =>
        fc.record({
          op: fc.constant(op),
          tenant: fc.nat({ max: tenants.length - 1 }),
          invalid: fc.constant(false),
          key: fc.constantFrom<Case['key']>('all', 'all', 'all', 'read', 'none', 'garbage'),
          mutations: fc.array(anyMutation(fields[op]!), { minLength: 1, maxLength: 4 }),
        }),
      ),
      { numRuns: ANY_RUNS, seed: SEED },
    )
    const anyItems = anyCases.map((c) => {
      const t = tenants[c.tenant]!
      const built = build(doc, ops[c.op]!, fields[c.op]!, t, c)
      const key = keyFor(t, c)
      if (key) built.inject.headers = { ...(built.inject.headers as object), authorization: key }
      return { built, mustFail: false }
    })
    // first, every injection / odd-unicode value once in every field of every operation, the rest
    // valid, on tenants of their own (the random requests below may delete apps and orgs)
    const gauntletTenants = await Promise.all(Array.from({ length: 3 }, () => createTenant({ database })))
    const gauntlet: typeof anyItems = []
    ops.forEach((op, i) => {
      fields[i]!.forEach((_f, field) => {
        // a rotating seventh of the values per field: every value still reaches every operation,
        // and the suite stays within its time budget as operations grow
        for (const value of INJECTIONS.filter((_v, j) => (j + field + i) % 7 === 0)) {
          const t = gauntletTenants[(field + value.length) % gauntletTenants.length]!
          const built = build(doc, op, fields[i]!, t, {
            op: i,
            tenant: 0,
            key: 'all',
            invalid: false,
            mutations: [{ kind: 'set', field, value }],
          })
          built.inject.headers = { ...(built.inject.headers as object), authorization: t.keys.all }
          gauntlet.push({ built, mustFail: false })
        }
      })
    })
    const anyFailures = [...(await runAll(app, doc, gauntlet)), ...(await runAll(app, doc, anyItems))]
    expect(anyFailures.slice(0, 10), `${anyFailures.length} failures`).toEqual([])

    // phase 2: surely invalid requests with a valid key of mode all, on fresh tenants; the database must not move
    const fresh = await Promise.all(Array.from({ length: 3 }, () => createTenant({ database })))
    const invalidOps = ops.map((op, i) => ({ i, arbs: invalidating(doc, op, fields[i]!) })).filter((o) => o.arbs.length)
    expect(invalidOps.length).toBeGreaterThan(0)
    const invalidCases = fc.sample(
      fc.constantFrom(...invalidOps).chain(({ i, arbs }) =>
        fc.record({
          op: fc.constant(i),
          tenant: fc.nat({ max: fresh.length - 1 }),
          invalid: fc.constant(true),
          key: fc.constant<Case['key']>('all'),
          // the corruption first; noise after it may only add unknown fields
          mutations: fc
            .tuple(
              fc.oneof(...arbs),
              fc.array(fc.record({ kind: fc.constant('extra' as const), name: nasty, value: fc.jsonValue({ maxDepth: 1 }) }), {
                maxLength: 2,
              }),
            )
            .map(([m, extra]) => [m, ...extra] as Mutation[]),
        }),
      ),
      { numRuns: INVALID_RUNS, seed: SEED + 1 },
    )
    const invalidItems = invalidCases.map((c) => {
      const t = fresh[c.tenant]!
      const built = build(doc, ops[c.op]!, fields[c.op]!, t, c)
      built.inject.headers = { ...(built.inject.headers as object), authorization: t.keys.all }
      return { built, mustFail: true }
    })
    const before = await snapshotDb(database)
    const invalidFailures = await runAll(app, doc, invalidItems)
    const after = await snapshotDb(database)
    expect(invalidFailures.slice(0, 10), `${invalidFailures.length} failures`).toEqual([])
    expect(after).toEqual(before)
    expect(gauntlet.length + anyItems.length + invalidItems.length).toBeGreaterThanOrEqual(10_000)
  }, 900_000) // ≈ 1 min alone; every request reaches its handler (no rate limit), so a loaded machine needs room
})

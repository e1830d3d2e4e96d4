// The fuzzer's vocabulary: nasty values, which of them surely break a schema, and the mutations
// (any, or surely invalid) of one operation's request, as fast-check arbitraries.
import fc from 'fast-check'
import { mainVariant, type Operation, resolve, type Schema, typeOf } from '../security/openapi-cases.ts'

export const INJECTIONS = [
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

export const nasty: fc.Arbitrary<string> = fc.oneof(
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
export interface Field {
  where: 'query' | 'body' | 'path'
  name: string
  schema: Schema
  required: boolean
}

export function fieldsOf(doc: any, op: Operation): Field[] {
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

export type Mutation =
  | { kind: 'set'; field: number; value: unknown }
  | { kind: 'drop'; field: number }
  | { kind: 'extra'; name: string; value: unknown }
  | { kind: 'raw'; payload: string; contentType: string }
  | { kind: 'shape'; body: unknown }
  | { kind: 'badUrl' }

export interface Case {
  op: number
  tenant: number
  key: 'all' | 'read' | 'none' | 'garbage'
  mutations: Mutation[]
  invalid: boolean
}

const hasBody = (op: Operation) => op.method === 'POST' || op.method === 'PUT'

/** Corruptions that no valid request can look like, for one operation. */
export function invalidating(doc: any, op: Operation, fields: Field[]): fc.Arbitrary<Mutation>[] {
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
export function anyMutation(fields: Field[]): fc.Arbitrary<Mutation> {
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

// A complete example of each answer and body, built from the schemas' own examples and the input
// fields' (answers that are a union get one named example per variant).
import { type Json, ref, refName } from './json.ts'

/** Example values of string formats that no field example covers. */
const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00.000Z',
  date: '2026-01-01',
  email: 'someone@example.com',
  uuid: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f',
  uri: 'https://example.com/',
  url: 'https://example.com/',
}

/**
 * A value for a schema: its own example, else one built from its parts: a field named like an input
 * field takes that field's example, a formatted string its format's. `missing` collects what had none.
 */
export function exampleOf(doc: Json, schema: Json | undefined, known: Map<string, unknown>, name = '', missing: string[] = []): unknown {
  const s = ref(doc, schema)
  if (s.example !== undefined) return s.example
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0]
  if (s.const !== undefined) return s.const
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0]
  if (s.default !== undefined) return s.default
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined
  if (alts?.length) {
    const nonNull = alts.find((a) => ref(doc, a).type !== 'null')
    // a nullable field with no example of its own: null is a real answer
    const own: string[] = []
    const value = exampleOf(doc, nonNull ?? alts[0], known, name, own)
    if (own.length && nonNull && alts.length > 1) return null
    missing.push(...own)
    return value
  }
  if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((p: Json) => exampleOf(doc, p, known, name, missing) as object))
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type
  if (type === 'object' || s.properties) {
    const out: Record<string, unknown> = {}
    for (const [k, p] of Object.entries((s.properties ?? {}) as Record<string, Json>)) out[k] = exampleOf(doc, p, known, k, missing)
    return out
  }
  if (type === 'array') {
    if (name && Array.isArray(known.get(name))) return known.get(name)
    // items with no example of their own: an empty list is a real answer
    const own: string[] = []
    const item = exampleOf(doc, s.items, known, '', own)
    return own.length ? [] : [item]
  }
  if (name && known.has(name) && ofType(known.get(name), type)) return known.get(name)
  if (type === 'string' && s.format && FORMAT_EXAMPLES[s.format]) return FORMAT_EXAMPLES[s.format]
  if (type === 'integer' || type === 'number') return s.minimum ?? 0
  if (type === 'boolean') return false
  if (type === 'null' || (Array.isArray(s.type) && s.type.includes('null'))) return null
  missing.push(name || '(unnamed)')
  return undefined
}

const ofType = (v: unknown, type: string | undefined) =>
  type === 'integer' ? Number.isInteger(v) : type === 'array' ? Array.isArray(v) : type === undefined || typeof v === type

/** The examples of an operation's answer and body; a union answer gets one named example per variant. */
export function setExamples(doc: Json, op: Json, known: Map<string, unknown>) {
  const media = op.responses?.['200']?.content?.['application/json']
  if (media?.schema) {
    const s = ref(doc, media.schema)
    const variants = ((s.anyOf ?? s.oneOf) as Json[] | undefined)?.filter((v) => ref(doc, v).type !== 'null')
    if (variants && variants.length > 1) {
      media.examples = Object.fromEntries(
        variants.map((v, i) => {
          const value = exampleOf(doc, v, known)
          return [variantName(doc, v, value) ?? `Answer ${i + 1}`, { value }]
        }),
      )
    } else media.example = exampleOf(doc, media.schema, known)
  }
  const body = op.requestBody?.content?.['application/json']
  if (body?.schema) body.example = exampleOf(doc, body.schema, known)
}

/** What to call one variant of an answer: its schema's name, a list of them, or the text of its `status`. */
function variantName(doc: Json, v: Json, value: unknown): string | undefined {
  const s = ref(doc, v)
  if (refName(v)) return refName(v)
  if (s.type === 'array' && refName(s.items)) return `${refName(s.items)} list`
  const status = (value as { status?: unknown } | undefined)?.status
  return typeof status === 'string' ? status : undefined
}

// /openapi.json: generated from the router by trpc-to-openapi, then completed generically for every
// operation, so a procedure added anywhere documents itself:
// - its error responses: per status, the `Error` envelope with `error` narrowed to the codes of that
//   status (the procedure's declared `meta.errors` and the generic ones its kind implies), one named
//   example per code, and one compact table of all of them in the operation's description;
// - parameter descriptions and examples taken from the zod meta;
// - a complete example of each answer and body, built from the schemas' examples (answers that are
//   a union get one example per variant, e.g. /updates' "no update" answers, which are HTTP 200);
// - tags with display names and descriptions, grouped (management API vs device endpoints);
// - no noise: no orphan component schemas, no ±2^53 bounds of plain integers.
import { appRouter, ERRORS, type ErrorCode, errorEnvelope, type ProcedureMeta } from '@capgo-api/api'
import type { AnyRouter } from '@trpc/server'
import { generateOpenApiDocument } from 'trpc-to-openapi'
import type { z } from 'zod'
import { createSchema } from 'zod-openapi'
import { fieldMeta, inputFields } from './input-schema.ts'

/** The name of the security scheme (an API key in the `authorization` header). */
export const SECURITY_SCHEME = 'authorization'

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input',
  401: 'Missing or invalid API key',
  403: 'Not allowed: key mode, role or key limits',
  404: 'Not found (or not visible to this key)',
  408: 'The body took too long to arrive (BODY_TIMEOUT_MS)',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Wrong content type',
  429: 'Rate limited (see Retry-After)',
  500: 'Unexpected error',
  503: 'Database unavailable or busy (see Retry-After)',
}

/** How each tag is shown in /docs. Tags without an entry still appear, under their own name. */
const TAGS: Record<string, { title: string; description: string }> = {
  app: { title: 'Apps', description: 'Apps of your organizations.' },
  channel: { title: 'Channels', description: 'Channels: which bundle a group of devices gets, and the update policies.' },
  device: { title: 'Devices', description: 'Devices that checked in, and per-device channel or version overrides.' },
  bundle: { title: 'Bundles', description: 'Bundles (versions) of an app.' },
  organization: { title: 'Organizations', description: 'Organizations, their members and invitations.' },
  members: { title: 'Members', description: 'Members and invitations of an organization.' },
  member: { title: 'Members', description: 'Members and invitations of an organization.' },
  apikey: { title: 'API keys', description: 'API keys of the caller.' },
  statistics: { title: 'Statistics', description: 'Daily MAU, storage and bandwidth, as JSON or as an SVG chart.' },
  plugin: { title: 'Updater plugin', description: 'Endpoints the Capacitor updater plugin calls (no API key).' },
  device_api: { title: 'Updater plugin', description: 'Endpoints the Capacitor updater plugin calls (no API key).' },
}
const MANAGEMENT_GROUP = 'Management API (API key)'
const DEVICE_GROUP = 'Device endpoints (no key)'

/** Generic codes, by what the framework checks before the procedure's own code runs. */
const AUTH_CODES: ErrorCode[] = ['no_key_provided', 'invalid_apikey', 'insufficient_key_mode']
const SERVER_CODES: ErrorCode[] = ['unknown_error', 'database_unavailable']
const BODY_CODES: ErrorCode[] = ['invalid_json', 'request_timeout', 'payload_too_large', 'unsupported_media_type']
/** Any input: its validation, and text the database cannot store (NUL on PostgreSQL). */
const INPUT_CODES: ErrorCode[] = ['invalid_input', 'invalid_characters']
const GENERIC = new Set<ErrorCode>([...AUTH_CODES, ...SERVER_CODES, ...BODY_CODES, ...INPUT_CODES, 'too_many_requests'])

/** Example values of string formats that no field example covers. */
const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00.000Z',
  date: '2026-01-01',
  email: 'someone@example.com',
  uuid: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f',
  uri: 'https://example.com/',
  url: 'https://example.com/',
}

export interface OpenApiOptions {
  /** the router to describe (tests pass their own) */
  router?: AnyRouter
  /** document 429 `too_many_requests` on every operation (when the server rate-limits) */
  rateLimited?: boolean
}

// biome-ignore lint/suspicious/noExplicitAny: the generated document is patched as loose JSON (typed, every step would need a cast)
type Json = Record<string, any>

export function buildOpenApiDocument(baseUrl: string, opts: OpenApiOptions = {}) {
  const router = opts.router ?? appRouter
  const doc = generateOpenApiDocument(router, {
    title: 'capgo-api',
    version: '1.0.0',
    description: [
      'Self-hostable Capgo public API: channels, devices, bundles, apps, organizations, members, API keys, statistics, and the endpoints the Capacitor updater plugin calls.',
      '',
      'Authenticate with your API key in the `authorization` header (a bare key or `Bearer <key>`; `capgkey` and `x-api-key` work too). GET and DELETE take query parameters, POST and PUT a JSON body.',
      '',
      'Every error answers `{"status":"KO","error":"<code>","message":"…"}` (schema `Error`). Each operation ends with a table of the codes it can answer; its error responses carry the same codes as the enum of `error`.',
    ].join('\n'),
    baseUrl,
    securitySchemes: {
      [SECURITY_SCHEME]: {
        type: 'apiKey',
        in: 'header',
        name: 'authorization',
        description: 'Your API key (a bare key or `Bearer <key>`)',
      },
    },
  }) as Json
  // the envelope carries `id: 'Error'`, so createSchema answers a $ref and the schema itself as a component
  const { schema, components } = createSchema(errorEnvelope)
  doc.components ??= {}
  doc.components.schemas = { ...doc.components.schemas, ...components, ...(schema.$ref ? {} : { Error: schema }) }
  stripSafeIntegerBounds(doc)

  const procedures = collectProcedures(router)
  const examples = fieldExamples(procedures)
  const tagOps = new Map<string, boolean[]>()
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Json][]) {
    for (const [method, op] of Object.entries(item) as [string, Json][]) {
      if (!op || typeof op !== 'object' || !op.responses) continue
      const proc = procedures.get(`${method.toUpperCase()} ${path}`)
      const fields = proc?.fields ?? {}
      for (const t of op.tags ?? []) tagOps.set(t, [...(tagOps.get(t) ?? []), Boolean(op.security?.length)])
      completeParameters(op, fields)
      const codes = errorCodesOf(method.toUpperCase(), op, proc?.meta, fields, opts)
      setErrorResponses(op, codes)
      setExamples(doc, op, examples)
      // `graph` turns the answer into a chart (served by http/statistics-charts.ts)
      if (fields.graph) {
        op.responses['200'].content['image/svg+xml'] = {
          schema: { type: 'string', description: 'An SVG chart of the `graph` metric over the range (when `graph` is given)' },
        }
      }
      op.description = [op.description ?? op.summary ?? '', errorTable(doc, op, codes)].join('\n\n').trim()
    }
  }
  doc.tags = [...tagOps.keys()].map((name) => ({
    name,
    ...(TAGS[name] ? { 'x-displayName': TAGS[name].title, description: TAGS[name].description } : {}),
  }))
  // a tag whose operations all go without a key is a device endpoint's
  const isDeviceTag = (t: string) => !(tagOps.get(t) ?? []).some(Boolean)
  doc['x-tagGroups'] = [
    { name: MANAGEMENT_GROUP, tags: [...tagOps.keys()].filter((t) => !isDeviceTag(t)) },
    { name: DEVICE_GROUP, tags: [...tagOps.keys()].filter(isDeviceTag) },
  ].filter((g) => g.tags.length)
  dropOrphanSchemas(doc)
  return doc
}

// ---- procedures ---------------------------------------------------------------------------
interface ProcInfo {
  meta: ProcedureMeta
  /** the input object's fields (merged over chained .input() calls) */
  fields: Record<string, z.ZodType>
}

function collectProcedures(router: AnyRouter): Map<string, ProcInfo> {
  const out = new Map<string, ProcInfo>()
  for (const proc of Object.values(router._def.procedures as Record<string, { _def: { meta?: ProcedureMeta; inputs?: z.ZodType[] } }>)) {
    const meta = proc._def.meta
    const openapi = meta?.openapi
    if (!meta || !openapi || openapi.enabled === false) continue
    out.set(`${openapi.method} ${openapi.path.replace(/\/+$/, '') || '/'}`, { meta, fields: inputFields(proc._def.inputs ?? []) })
  }
  return out
}

/**
 * Every input field's example, by field name: what an answer's field of the same name looks like.
 * A name whose examples differ between procedures (`name` of an app, of a channel…) means nothing alone: left out.
 */
function fieldExamples(procedures: Map<string, ProcInfo>): Map<string, unknown> {
  const out = new Map<string, unknown>()
  const ambiguous = new Set<string>()
  for (const { fields } of procedures.values())
    for (const [name, field] of Object.entries(fields)) {
      const { example } = fieldMeta(field)
      if (example === undefined) continue
      if (out.has(name) && JSON.stringify(out.get(name)) !== JSON.stringify(example)) ambiguous.add(name)
      else out.set(name, example)
    }
  for (const name of ambiguous) out.delete(name)
  return out
}

// ---- parameters ---------------------------------------------------------------------------
/** trpc-to-openapi drops the meta of optional query parameters and keeps examples inside the schema: fill both in. */
function completeParameters(op: Json, fields: Record<string, z.ZodType>) {
  for (const p of (op.parameters ?? []) as Json[]) {
    const m = fieldMeta(fields[p.name])
    p.schema ??= {}
    p.description ??= p.schema.description ?? m.description
    if (p.schema.description === undefined && p.description !== undefined) p.schema.description = p.description
    const example = p.example ?? p.schema.example ?? p.schema.examples?.[0] ?? m.example
    // once, on the parameter (/docs would show the schema's too)
    if (example !== undefined) p.example = example
    delete p.schema.example
    delete p.schema.examples
  }
  for (const media of Object.values((op.requestBody?.content ?? {}) as Record<string, Json>)) {
    const props = (media.schema?.properties ?? {}) as Record<string, Json>
    for (const [name, prop] of Object.entries(props)) {
      if (prop.$ref) continue
      const m = fieldMeta(fields[name])
      if (prop.description === undefined && m.description !== undefined) prop.description = m.description
      if (prop.example === undefined && prop.examples === undefined && m.example !== undefined) prop.example = m.example
    }
  }
}

// ---- examples -----------------------------------------------------------------------------
const ref = (doc: Json, s: Json | undefined): Json => {
  let cur = s ?? {}
  for (let i = 0; typeof cur.$ref === 'string' && i < 20; i++)
    cur = (cur.$ref as string)
      .slice(2)
      .split('/')
      .reduce((o: Json, k) => o?.[k], doc)
  return cur ?? {}
}
const refName = (s: Json | undefined) => (typeof s?.$ref === 'string' ? (s.$ref as string).split('/').pop() : undefined)

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
function setExamples(doc: Json, op: Json, known: Map<string, unknown>) {
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

/** The codes a 200 answer can carry in an `error` field (device endpoints answer some failures so). */
function okBodyCodes(doc: Json, op: Json): string[] {
  const s = ref(doc, op.responses?.['200']?.content?.['application/json']?.schema)
  const codes: string[] = []
  for (const v of [s, ...((s.anyOf ?? s.oneOf ?? []) as Json[])]) codes.push(...((ref(doc, v).properties?.error?.enum as string[]) ?? []))
  return codes
}

// ---- errors -------------------------------------------------------------------------------
/** The procedure's declared codes, after the generic ones its kind implies: input validation, body, key. */
function errorCodesOf(
  method: string,
  op: Json,
  meta: ProcedureMeta | undefined,
  fields: Record<string, z.ZodType>,
  opts: OpenApiOptions,
): Map<number, ErrorCode[]> {
  const codes = new Set<ErrorCode>()
  const protect = meta?.openapi?.protect ?? Boolean(op.security?.length)
  // device endpoints answer every input failure as invalid_json_body (declared in their meta.errors)
  const deviceBody = meta?.errors?.includes('invalid_json_body')
  if (Object.keys(fields).length) for (const c of INPUT_CODES) if (!(deviceBody && c === 'invalid_input')) codes.add(c)
  for (const c of meta?.errors ?? []) codes.add(c)
  // DELETE reads the query and takes a JSON body when one comes: any other content type is ignored (http/rest.ts)
  if (method !== 'GET') for (const c of BODY_CODES) if (method !== 'DELETE' || c !== 'unsupported_media_type') codes.add(c)
  if (protect) for (const c of AUTH_CODES) if (c !== 'insufficient_key_mode' || meta?.keyMode !== 'read') codes.add(c)
  if (opts.rateLimited) codes.add('too_many_requests')
  for (const c of SERVER_CODES) codes.add(c)
  const byStatus = new Map<number, ErrorCode[]>()
  for (const c of codes) {
    const s = meta?.errorStatus?.[c] ?? ERRORS[c][0]
    byStatus.set(s, [...(byStatus.get(s) ?? []), c])
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b))
}

/** One response per status: the envelope with `error` narrowed to that status's codes, an example per code. */
function setErrorResponses(op: Json, byStatus: Map<number, ErrorCode[]>) {
  for (const key of Object.keys(op.responses)) if (key !== '200') delete op.responses[key]
  for (const [status, codes] of byStatus) {
    op.responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Error',
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Error' },
              { type: 'object', required: ['error'], properties: { error: { type: 'string', enum: codes } } },
            ],
          },
          examples: Object.fromEntries(codes.map((c) => [c, { summary: c, value: { status: 'KO', error: c, message: ERRORS[c][1] } }])),
        },
      },
    }
  }
}

/**
 * The operation's codes as one table: each of its own codes on a row with its meaning, the generic
 * ones (key, body, validation, server) grouped per status; codes answered inside a 200 body first.
 */
function errorTable(doc: Json, op: Json, byStatus: Map<number, ErrorCode[]>): string {
  const rows: string[] = []
  const inBody = okBodyCodes(doc, op)
  if (inBody.length)
    rows.push(
      `| 200 | (in the answer) | Not an error: the answer's error field says why nothing is served: ${inBody.map((c) => `\`${c}\``).join(', ')} |`,
    )
  for (const [status, codes] of byStatus) {
    for (const c of codes.filter((c) => !GENERIC.has(c))) rows.push(`| ${status} | \`${c}\` | ${ERRORS[c][1]} |`)
    const generic = codes.filter((c) => GENERIC.has(c))
    if (generic.length) rows.push(`| ${status} | ${generic.map((c) => `\`${c}\``).join(', ')} | ${STATUS_TEXT[status] ?? ''} |`)
  }
  return ['**Errors**', '', '| Status | Code | When |', '| --- | --- | --- |', ...rows].join('\n')
}

// ---- clean-up -----------------------------------------------------------------------------
const SAFE = Number.MAX_SAFE_INTEGER

/** zod writes every `.int()` with the ±2^53 bounds of a JS number: noise, and the worst example value. */
function stripSafeIntegerBounds(node: unknown) {
  if (!node || typeof node !== 'object') return
  const o = node as Json
  if (o.minimum === -SAFE) delete o.minimum
  if (o.maximum === SAFE) delete o.maximum
  for (const v of Object.values(o)) stripSafeIntegerBounds(v)
}

/** Component schemas no operation reaches (trpc-to-openapi's own error schemas among them) are dropped. */
function dropOrphanSchemas(doc: Json) {
  const schemas = (doc.components?.schemas ?? {}) as Json
  const reached = new Set<string>()
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return
    const name = refName(node as Json)
    if (name && (node as Json).$ref.startsWith('#/components/schemas/') && !reached.has(name)) {
      reached.add(name)
      visit(schemas[name])
    }
    for (const v of Object.values(node)) visit(v)
  }
  visit(doc.paths)
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name]
}

// /openapi.json: generated from the router by trpc-to-openapi, then completed generically for every
// operation: the error responses it can give (with the contract's envelope `Error` schema and the
// codes of each status), parameter descriptions and examples taken from the zod meta, and tags.
import { appRouter, ERRORS, errorEnvelope, isErrorCode, type ErrorCode } from '@capgo-api/api'
import type { AnyRouter } from '@trpc/server'
import { generateOpenApiDocument, type OpenApiMeta } from 'trpc-to-openapi'
import { createSchema } from 'zod-openapi'

/** The name of the security scheme (an API key in the `authorization` header). */
export const SECURITY_SCHEME = 'authorization'

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input', 401: 'Missing or invalid API key', 403: 'Not allowed: key mode, role or key limits', 404: 'Not found (or not visible to this key)',
  409: 'Conflict with the current state', 413: 'Body too large', 415: 'Wrong content type', 429: 'Rate limited (see Retry-After)', 500: 'Unexpected error', 503: 'Database unavailable or busy (see Retry-After)',
}

/** What each tag groups, shown above its operations in /docs. Tags without an entry still appear. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  app: 'Apps of your organizations.',
  channel: 'Channels: which bundle a group of devices gets, and the update policies.',
  device: 'Devices that checked in, and per-device channel or version overrides.',
  bundle: 'Bundles (versions) of an app.',
  organization: 'Organizations.',
  members: 'Members and invitations of an organization.',
  member: 'Members and invitations of an organization.',
  apikey: 'API keys of the caller.',
  statistics: 'Daily MAU, storage and bandwidth.',
  plugin: 'Endpoints the Capacitor updater plugin calls (no API key).',
  device_api: 'Endpoints the Capacitor updater plugin calls (no API key).',
}

/** Generic codes every protected operation can answer, by what the framework checks before the handler. */
const AUTH_CODES: ErrorCode[] = ['no_key_provided', 'invalid_apikey', 'insufficient_key_mode']
const SERVER_CODES: ErrorCode[] = ['unknown_error', 'database_unavailable']
const BODY_CODES: ErrorCode[] = ['invalid_json', 'payload_too_large', 'unsupported_media_type']
/** Without an `errorResponses` hint, the domain codes an input field implies (the access checks it triggers). */
const INFERRED_BY_FIELD: Record<string, ErrorCode[]> = {
  app_id: ['app_not_found', 'insufficient_role'],
  owner_org: ['org_not_found', 'insufficient_role'],
  org_id: ['org_not_found', 'insufficient_role'],
  orgId: ['org_not_found', 'insufficient_role'],
}

export interface OpenApiOptions {
  /** the router to describe (tests pass their own) */
  router?: AnyRouter
  /** document 429 `rate_limited` on every operation (when the server rate-limits) */
  rateLimited?: boolean
}

type Json = Record<string, any>
type ZodLike = { _zod: { def: Json }; meta?: () => Json | undefined; shape?: Record<string, ZodLike> }
type Meta = NonNullable<OpenApiMeta['openapi']>

export function buildOpenApiDocument(baseUrl: string, opts: OpenApiOptions = {}) {
  const router = opts.router ?? appRouter
  const doc = generateOpenApiDocument(router, {
    title: 'capgo-api',
    version: '1.0.0',
    description: [
      'Self-hostable Capgo public API: channels, devices, bundles, apps, organizations, members, API keys, statistics, and the endpoints the Capacitor updater plugin calls.',
      '',
      'Authenticate with your API key in the `authorization` header (a bare key or `Bearer <key>`; `capgkey` and `x-api-key` work too). GET and DELETE take query parameters, POST and PUT a JSON body.',
      'Every error answers `{"status":"KO","error":"<code>","message":"…"}` (schema `Error`); each operation lists the codes it can give per status.',
    ].join('\n'),
    baseUrl,
    securitySchemes: { [SECURITY_SCHEME]: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Your API key (a bare key or `Bearer <key>`)' } },
  }) as Json
  // the envelope carries `id: 'Error'`, so createSchema answers a $ref and the schema itself as a component
  const { schema, components } = createSchema(errorEnvelope)
  doc.components ??= {}
  doc.components.schemas = { ...doc.components.schemas, ...components, ...(schema.$ref ? {} : { Error: schema }) }

  const procedures = collectProcedures(router)
  const usedTags = new Set<string>()
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Json][]) {
    for (const [method, op] of Object.entries(item) as [string, Json][]) {
      if (!op || typeof op !== 'object' || !op.responses) continue
      const proc = procedures.get(`${method.toUpperCase()} ${path}`)
      const fields = proc?.fields ?? {}
      for (const t of op.tags ?? []) usedTags.add(t)
      completeParameters(op, fields)
      const codes = errorCodesOf(method.toUpperCase(), op, proc?.meta, fields, opts)
      setErrorResponses(op, codes)
      // `graph` turns the answer into a chart (served by routes/statistics-charts.ts)
      if (fields.graph) {
        op.responses['200'].content['image/svg+xml'] = { schema: { type: 'string', description: 'An SVG chart of the `graph` metric over the range (when `graph` is given)' } }
      }
    }
  }
  doc.tags = [...usedTags].map((name) => ({ name, ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}) }))
  return doc
}

// ---- procedures ---------------------------------------------------------------------------
interface ProcInfo {
  meta: Meta
  /** the input object's fields (merged over chained .input() calls) */
  fields: Record<string, ZodLike>
}

function collectProcedures(router: AnyRouter): Map<string, ProcInfo> {
  const out = new Map<string, ProcInfo>()
  for (const proc of Object.values(router._def.procedures as Record<string, { _def: { meta?: OpenApiMeta; inputs?: ZodLike[] } }>)) {
    const meta = proc._def.meta?.openapi
    if (!meta || meta.enabled === false) continue
    const fields: Record<string, ZodLike> = {}
    for (const input of proc._def.inputs ?? []) Object.assign(fields, objectShape(input))
    out.set(`${meta.method} ${meta.path.replace(/\/+$/, '') || '/'}`, { meta, fields })
  }
  return out
}

/** The shape of an object schema, looking through optional/pipe wrappers. */
function objectShape(s: ZodLike | undefined): Record<string, ZodLike> {
  for (let cur = s, depth = 0; cur && depth < 8; depth++) {
    const def = cur._zod.def
    if (def.type === 'object') return def.shape as Record<string, ZodLike>
    // a preprocess pipe starts with a transform: its shape is on the output side
    cur = def.innerType ?? (def.in?._zod.def.type === 'transform' ? def.out : def.in) ?? def.schema
  }
  return {}
}

/** The description/example of a field: on the field itself or on any schema it wraps. */
function fieldMeta(s: ZodLike | undefined): { description?: string; example?: unknown } {
  const out: { description?: string; example?: unknown } = {}
  for (let cur = s, depth = 0; cur && depth < 8; depth++) {
    const m = typeof cur.meta === 'function' ? cur.meta() : undefined
    if (m) {
      if (out.description === undefined && typeof m.description === 'string') out.description = m.description
      if (out.example === undefined && m.example !== undefined) out.example = m.example
      if (out.example === undefined && Array.isArray(m.examples) && m.examples.length) out.example = m.examples[0]
    }
    const def: Json = cur._zod.def
    cur = def.innerType ?? def.in ?? def.schema
  }
  return out
}

/** Catalogue codes a schema marks by using them as messages (`.regex(re, 'invalid_app_id')`). */
function schemaCodes(s: ZodLike | undefined, seen = new Set<unknown>()): Set<ErrorCode> {
  const found = new Set<ErrorCode>()
  const visit = (cur: ZodLike | undefined, depth: number) => {
    if (!cur || depth > 20 || seen.has(cur)) return
    seen.add(cur)
    const def: Json = cur._zod?.def ?? {}
    const messages = [def.error, ...(def.checks ?? []).map((c: ZodLike) => c._zod?.def?.error)]
    for (const fn of messages) {
      if (typeof fn !== 'function') continue
      try {
        const m = fn({})
        const text = typeof m === 'string' ? m : m?.message
        if (isErrorCode(text)) found.add(text)
      } catch {}
    }
    for (const next of [def.innerType, def.in, def.out, def.schema, def.element, def.valueType, ...(def.options ?? []), ...Object.values(def.shape ?? {})]) visit(next, depth + 1)
  }
  visit(s, 0)
  return found
}

// ---- parameters ---------------------------------------------------------------------------
/** trpc-to-openapi drops the meta of optional query parameters and keeps examples inside the schema: fill both in. */
function completeParameters(op: Json, fields: Record<string, ZodLike>) {
  for (const p of (op.parameters ?? []) as Json[]) {
    const m = fieldMeta(fields[p.name])
    p.schema ??= {}
    p.description ??= p.schema.description ?? m.description
    if (p.schema.description === undefined && p.description !== undefined) p.schema.description = p.description
    const example = p.example ?? p.schema.example ?? p.schema.examples?.[0] ?? m.example
    if (example !== undefined) {
      p.example = example
      p.schema.example ??= example
    }
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

// ---- errors -------------------------------------------------------------------------------
/** The hint of the procedure's `errorResponses` meta: statuses, and codes where it names them. */
function hinted(meta: Meta | undefined): { statuses: number[]; codes: ErrorCode[]; texts: Map<number, string> } | undefined {
  const er = meta?.errorResponses
  if (!er) return undefined
  if (Array.isArray(er)) return { statuses: er, codes: [], texts: new Map() }
  const codes: ErrorCode[] = []
  const statuses: number[] = []
  const texts = new Map<number, string>()
  for (const [status, text] of Object.entries(er)) {
    statuses.push(Number(status))
    const found = String(text).split(/[\s,]+/).filter(isErrorCode)
    codes.push(...found)
    if (!found.length) texts.set(Number(status), String(text)) // free text: kept as the response description
  }
  return { statuses, codes, texts }
}

function errorCodesOf(method: string, op: Json, meta: Meta | undefined, fields: Record<string, ZodLike>, opts: OpenApiOptions): { byStatus: Map<number, ErrorCode[]>; texts: Map<number, string> } {
  const codes = new Set<ErrorCode>()
  const protect = meta?.protect ?? Boolean(op.security?.length)
  const hasBody = method !== 'GET'
  const hasInput = Object.keys(fields).length > 0
  if (hasInput) codes.add('invalid_input')
  for (const f of Object.values(fields)) for (const c of schemaCodes(f)) codes.add(c)
  if (hasBody) for (const c of BODY_CODES) codes.add(c)
  if (protect) for (const c of AUTH_CODES) codes.add(c)
  const hint = hinted(meta)
  const statuses = new Map<number, ErrorCode[]>()
  if (hint) {
    for (const c of hint.codes) codes.add(c)
    for (const s of hint.statuses) statuses.set(s, [])
  } else {
    // without a key there is no role to check: only the lookup remains
    for (const name of Object.keys(fields)) for (const c of INFERRED_BY_FIELD[name] ?? []) if (protect || ERRORS[c][0] !== 403) codes.add(c)
  }
  if (opts.rateLimited) codes.add('rate_limited')
  for (const c of SERVER_CODES) codes.add(c)
  for (const c of codes) {
    const s = ERRORS[c][0]
    statuses.set(s, [...(statuses.get(s) ?? []), c])
  }
  return { byStatus: new Map([...statuses].sort(([a], [b]) => a - b)), texts: hint?.texts ?? new Map() }
}

function setErrorResponses(op: Json, { byStatus, texts }: { byStatus: Map<number, ErrorCode[]>; texts: Map<number, string> }) {
  for (const key of Object.keys(op.responses)) if (key !== '200') delete op.responses[key]
  const lines: string[] = []
  for (const [status, codes] of byStatus) {
    const list = codes.map((c) => `\`${c}\``).join(', ')
    op.responses[String(status)] = {
      description: `${texts.get(status) ?? STATUS_TEXT[status] ?? 'Error'}${codes.length ? `: ${codes.map((c) => `\`${c}\` (${ERRORS[c][1]})`).join('; ')}` : ''}`,
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/Error' },
          ...(codes[0] ? { example: { status: 'KO', error: codes[0], message: ERRORS[codes[0]][1] } } : {}),
        },
      },
    }
    if (codes.length) lines.push(`- ${status}: ${list}`)
  }
  op.description = [op.description ?? op.summary ?? '', '', '**Errors** (`error` field of the `Error` body):', ...lines].join('\n').trim()
}

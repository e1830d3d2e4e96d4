// /openapi.json: generated from the router by trpc-to-openapi, then completed generically for every
// operation: the error responses it can give (with the contract's envelope `Error` schema and the
// codes of each status), parameter descriptions and examples taken from the zod meta, and tags.
// The codes are the procedure's declared `meta.errors` and the generic ones its kind implies.
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

/** Generic codes, by what the framework checks before the procedure's own code runs. */
const AUTH_CODES: ErrorCode[] = ['no_key_provided', 'invalid_apikey', 'insufficient_key_mode']
const SERVER_CODES: ErrorCode[] = ['unknown_error', 'database_unavailable']
const BODY_CODES: ErrorCode[] = ['invalid_json', 'request_timeout', 'payload_too_large', 'unsupported_media_type']
/** Any input: its validation, and text the database cannot store (NUL on PostgreSQL). */
const INPUT_CODES: ErrorCode[] = ['invalid_input', 'invalid_characters']

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
      'Every error answers `{"status":"KO","error":"<code>","message":"…"}` (schema `Error`); each operation lists the codes it can give per status.',
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
      // `graph` turns the answer into a chart (served by http/statistics-charts.ts)
      if (fields.graph) {
        op.responses['200'].content['image/svg+xml'] = {
          schema: { type: 'string', description: 'An SVG chart of the `graph` metric over the range (when `graph` is given)' },
        }
      }
    }
  }
  doc.tags = [...usedTags].map((name) => ({ name, ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}) }))
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

// ---- parameters ---------------------------------------------------------------------------
/** trpc-to-openapi drops the meta of optional query parameters and keeps examples inside the schema: fill both in. */
function completeParameters(op: Json, fields: Record<string, z.ZodType>) {
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
  if (method !== 'GET') for (const c of BODY_CODES) codes.add(c)
  if (protect) for (const c of AUTH_CODES) codes.add(c)
  if (opts.rateLimited) codes.add('too_many_requests')
  for (const c of SERVER_CODES) codes.add(c)
  const byStatus = new Map<number, ErrorCode[]>()
  for (const c of codes) {
    const s = meta?.errorStatus?.[c] ?? ERRORS[c][0]
    byStatus.set(s, [...(byStatus.get(s) ?? []), c])
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b))
}

function setErrorResponses(op: Json, byStatus: Map<number, ErrorCode[]>) {
  for (const key of Object.keys(op.responses)) if (key !== '200') delete op.responses[key]
  const lines: string[] = []
  for (const [status, codes] of byStatus) {
    const list = codes.map((c) => `\`${c}\``).join(', ')
    op.responses[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}${codes.length ? `: ${codes.map((c) => `\`${c}\` (${ERRORS[c][1]})`).join('; ')}` : ''}`,
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

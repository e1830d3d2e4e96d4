// Requests derived from /openapi.json: every operation, with path, query and body filled from its
// schemas so that the request is valid, using a tenant's ids where a parameter names one. The
// security matrix varies only the credentials of these requests; the fuzzer corrupts them.

export type Schema = Record<string, any>

export interface Param {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required: boolean
  schema: Schema
  example?: unknown
}

export interface Operation {
  /** `METHOD /path`, e.g. `DELETE /channel` */
  id: string
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
  path: string
  /** false for the device-facing and health endpoints that take no key */
  secured: boolean
  params: Param[]
  /** the JSON body schema, when the operation takes one */
  body?: Schema
}

/** The ids of a tenant that fill parameters of the same name. */
export interface Ids {
  appId: string
  orgId: string
}

export interface Request {
  method: Operation['method']
  url: string
  query: Record<string, string>
  body?: Record<string, unknown>
}

/** Parameter names that carry the tenant's app or organization. */
export const APP_PARAMS = new Set(['app_id', 'appId'])
export const ORG_PARAMS = new Set(['org_id', 'orgId', 'owner_org'])

export function operations(doc: any): Operation[] {
  const ops: Operation[] = []
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [m, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(m)) continue
      const params: Param[] = [...(item.parameters ?? []), ...(op.parameters ?? [])]
        .map((p: any) => resolve(doc, p))
        .map((p: any) => ({
          name: p.name,
          in: p.in,
          required: !!p.required,
          schema: resolve(doc, p.schema ?? {}),
          example: p.example,
        }))
      const body = op.requestBody ? resolve(doc, resolve(doc, op.requestBody).content?.['application/json']?.schema ?? {}) : undefined
      const method = m.toUpperCase() as Operation['method']
      ops.push({
        id: `${method} ${path}`,
        method,
        path,
        secured: Array.isArray(op.security) ? op.security.length > 0 : Array.isArray(doc.security) && doc.security.length > 0,
        params,
        body,
      })
    }
  }
  return ops.sort((a, b) => a.id.localeCompare(b.id))
}

/** Follows a local `$ref` (one level at a time, as deep as it goes). */
export function resolve(doc: any, s: any): any {
  let cur = s
  for (let i = 0; cur && typeof cur === 'object' && typeof cur.$ref === 'string' && i < 20; i++) {
    cur = cur.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((o: any, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc)
  }
  return cur ?? {}
}

/** The first alternative of a union, the non-null one of a nullable. */
export function mainVariant(doc: any, s: Schema): Schema {
  s = resolve(doc, s)
  const alts = s.anyOf ?? s.oneOf
  if (Array.isArray(alts) && alts.length) {
    const nonNull = alts.map((a: any) => resolve(doc, a)).find((a: any) => a.type !== 'null')
    return mainVariant(doc, nonNull ?? alts[0])
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1) return mainVariant(doc, s.allOf[0])
  return s
}

export function typeOf(s: Schema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type
}

/** A value valid for `s`: its example, else the simplest value of its type. */
export function sampleValue(doc: any, schema: Schema, example?: unknown): unknown {
  if (example !== undefined) return example
  const s = mainVariant(doc, schema)
  if (s.example !== undefined) return s.example
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0]
  if (s.const !== undefined) return s.const
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0]
  if (s.default !== undefined) return s.default
  switch (typeOf(s)) {
    case 'string':
      if (s.format === 'date') return new Date().toISOString().slice(0, 10)
      if (s.format === 'date-time') return new Date().toISOString()
      if (s.format === 'email') return 'someone@example.com'
      if (s.format === 'uri' || s.format === 'url') return 'https://example.com/x'
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000'
      return 'x'.repeat(Math.max(1, s.minLength ?? 1))
    case 'integer':
    case 'number':
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? Number(s.exclusiveMinimum) + 1 : 0)
    case 'boolean':
      return false
    case 'array':
      return []
    case 'object': {
      const o: Record<string, unknown> = {}
      for (const k of s.required ?? []) o[k] = sampleValue(doc, s.properties?.[k] ?? {})
      return o
    }
    default:
      return 'x'
  }
}

function idFor(name: string, ids: Ids): string | undefined {
  if (APP_PARAMS.has(name)) return ids.appId
  if (ORG_PARAMS.has(name)) return ids.orgId
  return undefined
}

/**
 * A valid request for `op`: required fields from their examples, the tenant's ids wherever a
 * field names one (even optional ones), then `overrides` by field name (`undefined` removes it).
 */
export function buildRequest(doc: any, op: Operation, ids: Ids, overrides: Record<string, unknown> = {}): Request {
  const fill = (name: string, schema: Schema, required: boolean, example?: unknown): [boolean, unknown] => {
    if (Object.hasOwn(overrides, name)) return [overrides[name] !== undefined, overrides[name]]
    const id = idFor(name, ids)
    if (id !== undefined) return [true, id]
    return required ? [true, sampleValue(doc, schema, example)] : [false, undefined]
  }
  let url = op.path
  const query: Record<string, string> = {}
  for (const p of op.params) {
    const [use, v] = fill(p.name, p.schema, p.required || p.in === 'path', p.example)
    if (!use) continue
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(v)))
    else if (p.in === 'query') query[p.name] = typeof v === 'string' ? v : JSON.stringify(v)
  }
  let body: Record<string, unknown> | undefined
  if (op.body) {
    const s = mainVariant(doc, op.body)
    body = {}
    for (const [name, prop] of Object.entries<Schema>(s.properties ?? {})) {
      const [use, v] = fill(name, prop, (s.required ?? []).includes(name))
      if (use) body[name] = v
    }
    // an update must carry a field to change (SPEC 1: else 400 no_valid_fields_provided_for_update):
    // a body holding nothing but ids gets its first other optional field, from its example
    const isId = (name: string) => idFor(name, ids) !== undefined || op.params.some((p) => p.in === 'path' && p.name === name)
    if (op.method !== 'DELETE' && Object.keys(body).every(isId)) {
      const extra = Object.keys(s.properties ?? {}).find((name) => !isId(name) && !Object.hasOwn(overrides, name))
      if (extra) body[extra] = sampleValue(doc, s.properties[extra])
    }
  }
  return { method: op.method, url, query, body }
}

// Turns a fuzz case into a request, runs requests a few at a time, and judges each answer: never a
// 5xx, errors in the envelope with a code the operation documents, nothing internal leaked.
import type { FastifyInstance, InjectOptions } from 'fastify'
import { documentedCodes } from '../docs-helpers.ts'
import type { Tenant } from '../harness.ts'
import { buildRequest, type Operation } from '../security/openapi-cases.ts'
import type { Case, Field } from './cases.ts'

const CONCURRENCY = 8

// ---- running -----------------------------------------------------------------------------------
interface Built {
  inject: InjectOptions
  describe: string
  op: Operation
}

export function build(doc: any, op: Operation, fields: Field[], t: Tenant, c: Case): Built {
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

export async function runAll(app: FastifyInstance, doc: any, items: { built: Built; mustFail: boolean }[]) {
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

// The error responses of each operation: per status, the `Error` envelope with `error` narrowed to
// the codes of that status (declared in `meta.errors`, plus the generic ones its kind implies), one
// named example per code, and one compact table of all of them for the description.
import { ERRORS, type ErrorCode, type ProcedureMeta } from '@capgo-api/api'
import type { z } from 'zod'
import { type Json, ref } from './json.ts'

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

/** Generic codes, by what the framework checks before the procedure's own code runs. */
const AUTH_CODES: ErrorCode[] = ['no_key_provided', 'invalid_apikey', 'insufficient_key_mode']
const SERVER_CODES: ErrorCode[] = ['unknown_error', 'database_unavailable']
const BODY_CODES: ErrorCode[] = ['invalid_json', 'request_timeout', 'payload_too_large', 'unsupported_media_type']
/** Any input: its validation, and text the database cannot store (NUL on PostgreSQL). */
const INPUT_CODES: ErrorCode[] = ['invalid_input', 'invalid_characters']
const GENERIC = new Set<ErrorCode>([...AUTH_CODES, ...SERVER_CODES, ...BODY_CODES, ...INPUT_CODES, 'too_many_requests'])

/** The codes a 200 answer can carry in an `error` field (device endpoints answer some failures so). */
function okBodyCodes(doc: Json, op: Json): string[] {
  const s = ref(doc, op.responses?.['200']?.content?.['application/json']?.schema)
  const codes: string[] = []
  for (const v of [s, ...((s.anyOf ?? s.oneOf ?? []) as Json[])]) codes.push(...((ref(doc, v).properties?.error?.enum as string[]) ?? []))
  return codes
}

/** The procedure's declared codes, after the generic ones its kind implies: input validation, body, key. */
export function errorCodesOf(
  method: string,
  op: Json,
  meta: ProcedureMeta | undefined,
  fields: Record<string, z.ZodType>,
  rateLimited: boolean | undefined,
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
  if (rateLimited) codes.add('too_many_requests')
  for (const c of SERVER_CODES) codes.add(c)
  const byStatus = new Map<number, ErrorCode[]>()
  for (const c of codes) {
    const s = meta?.errorStatus?.[c] ?? ERRORS[c][0]
    byStatus.set(s, [...(byStatus.get(s) ?? []), c])
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b))
}

/** One response per status: the envelope with `error` narrowed to that status's codes, an example per code. */
export function setErrorResponses(op: Json, byStatus: Map<number, ErrorCode[]>) {
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
export function errorTable(doc: Json, op: Json, byStatus: Map<number, ErrorCode[]>): string {
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

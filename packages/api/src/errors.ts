// The error catalogue: one code → HTTP status → message, used by tRPC and REST alike.
import { TRPCError } from '@trpc/server'
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'

export const ERRORS = {
  // 400
  invalid_input: [400, 'The request is invalid: see issues for the fields at fault.'],
  invalid_json: [400, 'The request body is not valid JSON.'],
  invalid_app_id: [400, 'app_id must be a reverse-domain id such as com.example.app.'],
  invalid_cursor: [400, 'The cursor is malformed: pass back the nextCursor of a previous page.'],
  invalid_version_format: [400, 'The version must be a semantic version such as 1.2.3.'],
  invalid_protocol: [400, 'The external_url must use https.'],
  invalid_date_range: [400, 'The date range is invalid: from must not be after to, at most 366 days apart.'],
  invalid_date: [400, 'Dates must be YYYY-MM-DD or an ISO-8601 date-time such as 2026-01-01T00:00:00Z.'],
  missing_channel_or_version: [400, 'Give a channel or a version_id.'],
  missing_owner_org: [400, 'owner_org is required when the key can see more than one organization.'],
  invalid_expires_at: [400, 'expires_at must be a date in the future.'],
  invalid_characters: [400, 'The request contains characters that cannot be stored (such as NUL).'],
  batch_too_large: [400, 'Too many items in one batch (a tRPC batch holds at most 50 calls, a /stats batch at most 200 events): split it.'],
  invalid_json_body: [
    400,
    'The body is not a valid info object (app_id, device_id as a UUID, platform, version_name, version_build, plugin_version as semver).',
  ],
  no_valid_fields_provided_for_update: [400, 'The request carries none of the fields this operation can change: nothing was updated.'],
  invalid_url: [400, 'The URL is not valid: give an absolute http(s) URL with no user:password part.'],
  invalid_preflight: [400, 'A CORS preflight needs the Origin and Access-Control-Request-Method headers.'],
  bad_request: [400, 'The HTTP request is malformed.'],
  missing_checksum: [400, 'checksum is required for a bundle with external_url or session_key.'],
  upload_missing: [400, 'Nothing was uploaded for this bundle: PUT the zip to upload.url first.'],
  size_mismatch: [400, 'The uploaded bytes do not have the declared size: upload again.'],
  checksum_mismatch: [400, 'The SHA-256 of the uploaded bytes differs from the declared checksum: upload again.'],
  invalid_bundle: [400, 'The upload is not a zip holding an index.html at its root or in one top-level folder.'],
  // 401
  no_key_provided: [401, 'No API key was provided: send it in the authorization header.'],
  invalid_apikey: [401, 'The API key is unknown, revoked or expired.'],
  invalid_metrics_token: [401, 'Send the metrics token (METRICS_TOKEN) as authorization: Bearer <token>.'],
  // 403
  insufficient_key_mode: [403, 'This API key mode does not allow this operation.'],
  insufficient_role: [403, 'Your role in this organization does not allow this operation.'],
  insufficient_permissions: [403, 'This operation is not allowed for this key.'],
  channel_self_set_not_allowed: [403, 'This channel does not allow devices to set it themselves.'],
  invalid_signature: [403, 'The URL signature is invalid or expired: ask for a new URL.'],
  // 404
  not_found: [404, 'No such endpoint.'],
  app_not_found: [404, 'App not found.'],
  org_not_found: [404, 'Organization not found.'],
  channel_not_found: [404, 'Channel not found.'],
  version_not_found: [404, 'Version not found.'],
  device_not_found: [404, 'Device not found.'],
  apikey_not_found: [404, 'API key not found.'],
  member_not_found: [404, 'Member not found.'],
  user_not_found: [404, 'User not found.'],
  invite_not_found: [404, 'No pending invitation to this organization.'],
  // 405/408/409/413/415/429/431
  method_not_allowed: [405, 'This method is not allowed on this endpoint.'],
  request_timeout: [408, 'The request took too long to arrive.'],
  app_already_exists: [409, 'An app with this app_id already exists.'],
  version_already_exists: [409, 'A bundle with this version name already exists for this app.'],
  bundle_in_use: [409, 'The bundle is used by a channel or a device override.'],
  bundle_not_ready: [409, 'The bundle is still pending: upload it and call POST /bundle/finalize first.'],
  upload_url_used: [409, 'This upload URL was already used: POST /bundle again for a new one.'],
  last_super_admin: [409, 'The last super_admin of an organization cannot be removed or demoted.'],
  member_already_exists: [409, 'This user is already a member or invited.'],
  conflict: [409, 'The request conflicts with the current state.'],
  payload_too_large: [413, 'The request body is too large.'],
  range_not_satisfiable: [416, 'The requested range is outside the file.'],
  unsupported_media_type: [415, 'Send the body as application/json.'],
  too_many_requests: [429, 'Too many requests: retry after the time given in Retry-After.'],
  headers_too_large: [431, 'The request headers are too large.'],
  // 5xx
  unknown_error: [500, 'An unexpected error occurred.'],
  database_unavailable: [503, 'The database is unavailable: retry shortly.'],
} as const satisfies Record<string, readonly [number, string]>

export type ErrorCode = keyof typeof ERRORS

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
}

/** The code used when an error carries none of ours (tRPC's own, adapter errors). */
const CODE_BY_TRPC: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  PARSE_ERROR: 'invalid_json',
  BAD_REQUEST: 'invalid_input',
  UNAUTHORIZED: 'invalid_apikey',
  FORBIDDEN: 'insufficient_permissions',
  NOT_FOUND: 'not_found',
  METHOD_NOT_SUPPORTED: 'method_not_allowed',
  CONFLICT: 'conflict',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  TIMEOUT: 'request_timeout',
  TOO_MANY_REQUESTS: 'too_many_requests',
  SERVICE_UNAVAILABLE: 'database_unavailable',
}

export const isErrorCode = (v: unknown): v is ErrorCode => typeof v === 'string' && Object.hasOwn(ERRORS, v)
export const httpStatusOf = (code: ErrorCode) => ERRORS[code][0]
export const messageOf = (code: ErrorCode) => ERRORS[code][1]

/** A domain error: `throw new ApiError('app_not_found')`. */
export class ApiError extends TRPCError {
  readonly error: ErrorCode
  readonly moreInfo?: Record<string, unknown>
  readonly issues?: Issue[]
  /** the HTTP status, when the contract gives this code another one than the catalogue's (declared in meta.errorStatus) */
  readonly status: number
  constructor(
    error: ErrorCode,
    opts: { message?: string; cause?: unknown; moreInfo?: Record<string, unknown>; issues?: Issue[]; status?: number } = {},
  ) {
    super({
      code: TRPC_CODE_BY_STATUS[opts.status ?? httpStatusOf(error)] ?? 'INTERNAL_SERVER_ERROR',
      message: opts.message ?? messageOf(error),
      cause: opts.cause,
    })
    this.error = error
    this.moreInfo = opts.moreInfo
    this.issues = opts.issues
    this.status = opts.status ?? httpStatusOf(error)
  }
}

export interface Issue {
  path: string
  message: string
}

interface ZodLikeIssue {
  path?: readonly PropertyKey[]
  message: string
}

/**
 * Zod issues → our issues and error code. A schema marks a specific code by using a catalogue
 * code as its message (e.g. `.regex(re, 'invalid_app_id')`); the issue gets the human text.
 */
export function fromZodIssues(zodIssues: readonly ZodLikeIssue[]): { error: ErrorCode; message: string; issues: Issue[] } {
  let error: ErrorCode = 'invalid_input'
  const issues = zodIssues.map((i) => {
    const path = (i.path ?? []).map(String).join('.')
    if (isErrorCode(i.message)) {
      if (error === 'invalid_input') error = i.message
      return { path, message: messageOf(i.message) }
    }
    return { path, message: i.message }
  })
  const first = issues[0]
  const message =
    error !== 'invalid_input'
      ? messageOf(error)
      : first
        ? `Invalid input: ${first.path ? `${first.path}: ` : ''}${first.message}`
        : messageOf(error)
  return { error, message, issues }
}

/**
 * A device endpoint's body that is not a valid info object (SPEC section 3): 400
 * `invalid_json_body` with the field-level issues, whatever the field (Capgo's code for it).
 * A batch over its size keeps `batch_too_large`.
 */
export function invalidJsonBody(zodIssues: readonly ZodLikeIssue[]): ApiError {
  const z = fromZodIssues(zodIssues)
  if (z.error === 'batch_too_large') return new ApiError('batch_too_large', { issues: z.issues })
  const first = z.issues[0]
  const message = first ? `Invalid info object: ${first.path ? `${first.path}: ` : ''}${first.message}` : messageOf('invalid_json_body')
  return new ApiError('invalid_json_body', { message, issues: z.issues })
}

/** The fields Prisma and the drivers put on their errors, as far as the checks below read them. */
interface ErrorFields {
  code?: unknown
  kind?: unknown
  originalCode?: unknown
  message?: unknown
  meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } }
  cause?: unknown
}

/** An error and its causes, at most 6 deep. */
function* causeChain(e: unknown): Generator<ErrorFields> {
  let cur = e as ErrorFields | undefined
  for (let depth = 0; cur && depth < 6; depth++) {
    yield cur
    cur = cur.cause as ErrorFields | undefined
  }
}

const UNREACHABLE_CODES = new Set<unknown>([
  ...['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'SQLITE_BUSY', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'],
  ...['57P01', '57P03', '08006', '08001', '08003'],
])
const UNREACHABLE_KINDS = new Set<unknown>([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
])
const UNREACHABLE_MESSAGE =
  /ECONNREFUSED|Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database|Closed the connection|terminating connection|Query read timeout/i

/** True when an error means the database cannot be reached (answer 503, not 500). */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (const cur of causeChain(e)) {
    if (UNREACHABLE_CODES.has(cur.code ?? cur.kind)) return true
    if (UNREACHABLE_KINDS.has(cur.kind ?? cur.originalCode)) return true
    if (typeof cur.message === 'string' && UNREACHABLE_MESSAGE.test(cur.message)) return true
  }
  return false
}

/** True when the database refused text it cannot store (PostgreSQL and NUL characters). */
export function isUnstorableText(e: unknown): boolean {
  for (const cur of causeChain(e)) {
    const codes = [cur.code, cur.originalCode, cur.meta?.driverAdapterError?.cause?.originalCode, cur.meta?.code]
    if (codes.some((c) => c === '22021' || c === '22P05')) return true
  }
  return false
}

/** True when an error or one of its causes carries one of `codes`: Prisma's, the driver's under Prisma's errors, or the driver's from writes made without Prisma (lib/checkins.ts). */
function anyCode(e: unknown, codes: readonly string[]): boolean {
  for (const cur of causeChain(e)) {
    const found = [cur.code, cur.meta?.driverAdapterError?.cause?.originalCode ?? cur.originalCode]
    if (found.some((c) => typeof c === 'string' && codes.includes(c))) return true
  }
  return false
}

// P2028: no connection or transaction start within maxWait (or the transaction outlived its timeout);
// P2034, 40001, 40P01: serialization failure or deadlock; 55P03: lock not available
const CONTENTION_CODES = ['P2028', 'P2034', '40001', '40P01', '55P03']

/**
 * True when a write lost to contention (many writers at once) and would likely succeed if tried
 * again: retried where it happens (lib/tx.ts), else a 503 with Retry-After, never a 500 or 409.
 */
export const isContention = (e: unknown) => anyCode(e, CONTENTION_CODES)

const CONCURRENT_CHANGE_CODES = ['P2025', 'P2003', 'SQLITE_CONSTRAINT_FOREIGNKEY', '23503']

/**
 * True when a write lost a race with a concurrent change (the row it needed was deleted meanwhile,
 * a foreign key vanished): a 409, never a 500.
 */
export const isConcurrentChange = (e: unknown) => anyCode(e, CONCURRENT_CHANGE_CODES)

/** Whatever was thrown → our code, HTTP status and public message (never internals). */
export function describeError(e: unknown): {
  error: ErrorCode
  status: number
  message: string
  issues?: Issue[]
  moreInfo?: Record<string, unknown>
} {
  if (e instanceof ApiError)
    return {
      error: e.error,
      status: e.status,
      message: e.message,
      moreInfo: e.moreInfo,
      ...(e.issues ? { issues: e.issues } : {}),
    }
  if (e instanceof TRPCError) {
    const cause = e.cause as { name?: string; issues?: ZodLikeIssue[] } | undefined
    if (e.code === 'BAD_REQUEST' && cause?.name === 'ZodError' && Array.isArray(cause.issues)) {
      const z = fromZodIssues(cause.issues)
      return { ...z, status: 400 }
    }
    if (e.cause instanceof ApiError) return describeError(e.cause)
    if (e.code === 'INTERNAL_SERVER_ERROR') return describeError(e.cause ?? new Error('unknown'))
    const code = CODE_BY_TRPC[e.code] ?? 'unknown_error'
    return { error: code, status: httpStatusOf(code), message: messageOf(code) }
  }
  if (isDatabaseUnavailable(e) || isContention(e))
    return { error: 'database_unavailable', status: 503, message: messageOf('database_unavailable') }
  if (isUnstorableText(e)) return { error: 'invalid_characters', status: 400, message: messageOf('invalid_characters') }
  if (isConcurrentChange(e)) return { error: 'conflict', status: 409, message: messageOf('conflict') }
  return { error: 'unknown_error', status: 500, message: messageOf('unknown_error') }
}

/** The REST error envelope of the contract. */
export function envelope(d: ReturnType<typeof describeError>) {
  return {
    status: 'KO' as const,
    error: d.error,
    message: d.message,
    ...(d.issues ? { issues: d.issues } : {}),
    ...(d.moreInfo ? { moreInfo: d.moreInfo } : {}),
  }
}

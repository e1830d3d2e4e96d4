// Building blocks shared by every domain's input, output and OpenAPI description.
import { z } from 'zod'
import { ERRORS, type ErrorCode } from '../errors.ts'

export const APP_ID_RE = /^[a-z0-9]+(\.[\w-]+)+$/i

/** A catalogue code as the message marks the error code of the whole request (see errors.ts). */
export const appId = z
  .string()
  .max(255, 'invalid_app_id')
  .regex(APP_ID_RE, 'invalid_app_id')
  .meta({ description: 'Reverse-domain app id', example: 'com.example.app' })

/** A UTF-16 surrogate without its pair: not text, and drivers refuse it. */
const LONE_SURROGATE = /\p{Surrogate}/u

export const deviceId = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => !LONE_SURROGATE.test(s), 'invalid_characters')
  .transform((s) => s.toLowerCase())
  .meta({ description: 'Device id (lower-cased on input)', example: '6aa5ec5e-3f3a-4b7e-9d3c-1a2b3c4d5e6f' })

/**
 * A whole number that also accepts its decimal string (query parameters are strings).
 * A preprocess pipe, not z.coerce, which would turn any value (even `true`) into a number, for
 * tRPC callers too. REST passes query values as they come (http/rest.ts coerces nothing).
 */
export const intParam = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number().int().min(min).max(max))

/** A JSON boolean (body fields only). The pipe dates from trpc-to-openapi's runtime, which coerced plain booleans ("false" into true). */
export const bool = () => z.boolean().pipe(z.boolean())

export const page = intParam(0, 1_000_000).optional().meta({ description: '0-based page number (50 items a page by default)', example: 0 })
export const limit = intParam(1, 1000).optional().meta({ description: 'Items per page, 1–1000 (default 50)', example: 50 })
export const PAGE_SIZE = 50

export const pageArgs = (p?: number, l?: number) => {
  const take = l ?? PAGE_SIZE
  return { skip: (p ?? 0) * take, take }
}

/**
 * A strict semantic version (semver.org's grammar: `1.2.3`, `1.2.3-beta.1+build.5`): no `v`
 * prefix, no whitespace, nothing coerced.
 */
export const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

export const semverName = z.string().max(255, 'invalid_version_format').regex(SEMVER_RE, 'invalid_version_format')

/** An absolute http(s) URL without a user:password part (what a browser may load as an image). */
export function isWebUrl(s: string): boolean {
  let url: URL
  try {
    url = new URL(s)
  } catch {
    return false
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && !!url.hostname && !url.username && !url.password
}

/**
 * For an update's input: true when it carries some field besides the ones naming what to update
 * (SPEC: an update with none is 400 no_valid_fields_provided_for_update and changes nothing).
 */
export const updatesSomething =
  (...idKeys: string[]) =>
  (v: Record<string, unknown>) =>
    Object.entries(v).some(([k, x]) => x !== undefined && !idKeys.includes(k))

/** True when a NUL character is anywhere in a value's strings or keys: SQLite would store it, PostgreSQL refuses it. */
export function containsNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000')
  if (!v || typeof v !== 'object' || depth > 32) return false
  if (Array.isArray(v)) return v.some((x) => containsNul(x, depth + 1))
  for (const [k, x] of Object.entries(v)) if (k.includes('\u0000') || containsNul(x, depth + 1)) return true
  return false
}

export const isoDate = z.iso.datetime().meta({ description: 'ISO-8601 date-time in UTC', example: '2026-01-01T00:00:00.000Z' })
export const iso = (d: Date) => d.toISOString()

export const okOutput = z.object({ status: z.literal('ok') }).meta({ id: 'Ok', description: 'The operation succeeded' })
export const ok = { status: 'ok' as const }

/** The contract's error envelope (documented on every operation). */
export const errorEnvelope = z
  .object({
    status: z.literal('KO').meta({ description: 'Always KO on errors' }),
    // an enum, so generated clients get the union of the codes (each operation narrows it to its own)
    error: z
      .enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]])
      .meta({ description: 'The error code (snake_case)', example: 'app_not_found' }),
    message: z.string().meta({ description: 'Human-readable explanation', example: 'App not found.' }),
    issues: z
      .array(
        z.object({
          path: z.string().meta({ description: 'Dotted path of the field at fault', example: 'app_id' }),
          message: z
            .string()
            .meta({ description: 'What is wrong with it', example: 'app_id must be a reverse-domain id such as com.example.app.' }),
        }),
      )
      .optional()
      .meta({ description: 'Field-level problems of a validation error' }),
    moreInfo: z.record(z.string(), z.unknown()).optional().meta({ description: 'Details of some errors' }),
  })
  .meta({ id: 'Error', description: 'The error envelope of every failed request' })

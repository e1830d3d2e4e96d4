import { z } from 'zod'
import { appId } from '../common.ts'

export const GRAPHS = ['mau', 'storage', 'bandwidth'] as const
export type Graph = (typeof GRAPHS)[number]

/** The widest range: `to` may be at most this many days after `from` (367 entries). */
export const MAX_RANGE_DAYS = 366

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/

/** `YYYY-MM-DD`, or an ISO-8601 date-time (its UTC day), as `YYYY-MM-DD`; null when not a real date. */
export function toDay(s: string): string | null {
  const m = DATE_RE.exec(s)
  if (!m) return null
  const [, y, mo, d] = m
  // a plain date must exist in the calendar (no 2026-02-30)
  const plain = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  if (plain.getUTCFullYear() !== Number(y) || plain.getUTCMonth() !== Number(mo) - 1 || plain.getUTCDate() !== Number(d)) return null
  if (s.length === 10) return s
  const t = Date.parse(s)
  return Number.isNaN(t) ? null : new Date(t).toISOString().slice(0, 10)
}

/** A day as the catalogue's `invalid_date` when malformed; transformed into `YYYY-MM-DD`. */
const day = (description: string, example: string) =>
  z
    .string()
    .max(40, 'invalid_date')
    .refine((s) => toDay(s) !== null, 'invalid_date')
    .transform((s) => toDay(s)!)
    .meta({ description, example })

const range = {
  from: day('First day, inclusive: YYYY-MM-DD or an ISO-8601 date-time (its UTC day)', '2026-01-01'),
  to: day(`Last day, inclusive (at most ${MAX_RANGE_DAYS} days after from)`, '2026-03-31'),
  graph: z.enum(GRAPHS).optional().meta({
    description: 'Answer an image/svg+xml chart of this metric instead of JSON (REST only; tRPC always answers the data)',
    example: 'mau',
  }),
}

export const statsAppInput = z.object({ app_id: appId, ...range })
export const statsOrgInput = z.object({
  org_id: z.string().min(1).max(255).meta({ description: 'Organization id', example: '9f1c1f4e-4a7e-4b8e-8f7a-2f0c4d1e7b3a' }),
  ...range,
})
export const statsUserInput = z.object(range)

export const statsEntry = z
  .object({
    date: z.iso.date().meta({ description: 'The day (UTC), YYYY-MM-DD', example: '2026-01-01' }),
    mau: z.number().int().meta({ description: 'Distinct devices seen in the calendar month up to this day', example: 1200 }),
    storage: z.number().int().meta({ description: 'Bytes of the bundles not deleted on this day', example: 52_428_800 }),
    bandwidth: z.number().int().meta({ description: 'Bytes of bundles served (download_complete) this day', example: 10_485_760 }),
  })
  .meta({ id: 'DailyStats' })

export const statsOutput = z.array(statsEntry)

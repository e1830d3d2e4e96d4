import { describe, expect, it } from 'vitest'
import { MAX_RANGE_DAYS } from './schema.ts'
import { checkRange } from './service.ts'

describe('statistics range', () => {
  it(`accepts from ≤ to ≤ from + ${MAX_RANGE_DAYS} days`, () => {
    expect(() => checkRange('2026-01-01', '2026-01-01')).not.toThrow()
    const last = new Date(Date.parse('2026-01-01T00:00:00Z') + MAX_RANGE_DAYS * 86_400_000).toISOString().slice(0, 10)
    expect(() => checkRange('2026-01-01', last)).not.toThrow()
  })

  it('refuses a reversed or too long range with invalid_date_range', () => {
    const tooFar = new Date(Date.parse('2026-01-01T00:00:00Z') + (MAX_RANGE_DAYS + 1) * 86_400_000).toISOString().slice(0, 10)
    for (const [from, to] of [
      ['2026-01-02', '2026-01-01'],
      ['2026-01-01', tooFar],
    ] as const) {
      expect(() => checkRange(from, to)).toThrow(expect.objectContaining({ error: 'invalid_date_range' }))
    }
  })
})

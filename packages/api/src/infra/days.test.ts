import { describe, expect, it } from 'vitest'
import { dayOf, daysApart, daysBetween } from './days.ts'

describe('day arithmetic', () => {
  it('dayOf is the UTC day', () => {
    expect(dayOf(new Date('2026-03-31T23:59:59.999Z'))).toBe('2026-03-31')
    expect(dayOf(new Date('2026-04-01T00:30:00+02:00'))).toBe('2026-03-31')
  })

  it('daysApart counts whole days, across months and leap days', () => {
    expect(daysApart('2026-01-01', '2026-01-01')).toBe(0)
    expect(daysApart('2028-02-28', '2028-03-01')).toBe(2)
    expect(daysApart('2026-03-02', '2026-03-01')).toBe(-1)
  })

  it('daysBetween lists every day inclusive, none when reversed', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'])
    expect(daysBetween('2026-03-02', '2026-03-01')).toEqual([])
  })
})

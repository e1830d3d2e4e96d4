import { describe, expect, it } from 'vitest'
import { ApiError } from '../../errors.ts'
import { makeCursor, parseCursor } from './cursor.ts'

describe('device list cursor', () => {
  it('round-trips the last device of a page', () => {
    const d = { updated_at: new Date('2026-05-01T10:20:30.456Z'), device_id: 'abc|def' }
    expect(parseCursor(makeCursor(d))).toEqual({ updatedAt: d.updated_at, deviceId: 'abc|def' })
  })

  it('lower-cases the device id and accepts an offset', () => {
    expect(parseCursor('2026-05-01T12:20:30+02:00|ABC')).toEqual({ updatedAt: new Date('2026-05-01T10:20:30Z'), deviceId: 'abc' })
  })

  it.each([
    '',
    '|abc',
    '2026-05-01T10:20:30.456Z',
    '2026-05-01T10:20:30.456Z|',
    'yesterday|abc',
    '2026-13-45T10:20:30Z|abc',
    `2026-05-01T10:20:30Z|${'x'.repeat(256)}`,
  ])('refuses %j with invalid_cursor', (cursor) => {
    expect(() => parseCursor(cursor)).toThrow(ApiError)
    expect(() => parseCursor(cursor)).toThrow(expect.objectContaining({ error: 'invalid_cursor' }))
  })
})

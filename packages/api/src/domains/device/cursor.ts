// The device list's cursor: `<updated_at ISO>|<device_id>` of the last device of a page.
import { ApiError } from '../../errors.ts'
import { iso } from '../common.ts'

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/

export const makeCursor = (d: { updated_at: Date; device_id: string }) => `${iso(d.updated_at)}|${d.device_id}`

/** `<updated_at ISO>|<device_id>` → its parts, else 400 invalid_cursor. */
export function parseCursor(cursor: string): { updatedAt: Date; deviceId: string } {
  const at = cursor.indexOf('|')
  const stamp = at > 0 ? cursor.slice(0, at) : ''
  const deviceId = at > 0 ? cursor.slice(at + 1).toLowerCase() : ''
  const updatedAt = new Date(stamp)
  if (!ISO_RE.test(stamp) || Number.isNaN(updatedAt.getTime()) || !deviceId || deviceId.length > 255) throw new ApiError('invalid_cursor')
  return { updatedAt, deviceId }
}

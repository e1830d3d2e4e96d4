// Device ids as the plugin sends them (UUIDs, SPEC section 3), derived from a readable label:
// the same label gives the same id, so tests stay readable. No test imports, so process tests use it too.
import { createHash } from 'node:crypto'

export const uuidOf = (label: string) => {
  const h = createHash('sha1').update(label).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

// Labels and coordinates of the charts: values in human units (decimal bytes, counts), escaped text,
// rounded coordinates and UTC days.
import { format, formatPrefix, precisionPrefix } from 'd3-format'
import { utcFormat } from 'd3-time-format'

/** Decimal byte units (1 KB = 1000 B), keyed by d3-format's SI prefix symbol. */
const BYTE_UNITS: Record<string, string> = { '': 'B', k: 'KB', M: 'MB', G: 'GB', T: 'TB', P: 'PB', E: 'EB' }

/** d3-format's SI-prefixed number ("1.5G") as bytes ("1.5 GB"). */
const asBytes = (s: string) => {
  const m = /^(.*?)([kMGTPE]?)$/.exec(s)!
  return `${m[1]} ${BYTE_UNITS[m[2]!]}`
}

/** One value in human units: "1.2 GB", "1,234 devices". */
export function formatValue(v: number, bytes: boolean): string {
  if (!bytes) return format(',~f')(v)
  return v < 1000 ? `${format(',~f')(v)} B` : asBytes(formatPrefix(',.1~', v)(v))
}

/** Tick labels of a byte axis share one unit, precise enough for the tick step (d3-format's rules). */
export function byteTicks(ticks: number[]) {
  const top = Math.max(...ticks)
  if (top < 1000) return ticks.map((t) => `${format(',~f')(t)} B`)
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : top
  const f = formatPrefix(`,.${precisionPrefix(step, top)}~`, top)
  return ticks.map((t) => (t === 0 ? '0' : asBytes(f(t))))
}

/** Text escaped for SVG. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
/** A coordinate rounded to 2 decimals. */
export const n = (v: number) => Math.round(v * 100) / 100

export const dayDate = (d: string) => new Date(`${d}T00:00:00Z`)
export const longDay = utcFormat('%-d %b %Y')
export const isoDay = utcFormat('%Y-%m-%d')

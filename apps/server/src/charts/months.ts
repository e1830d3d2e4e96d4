// A chart's daily points and their calendar months: the stretches of a month-to-date line, and the
// bars of a monthly chart.
import { utcMonth } from 'd3-time'
import { dayDate } from './format.ts'
import type { MetricStyle } from './metrics.ts'

export interface ChartPoint {
  /** YYYY-MM-DD (UTC) */
  date: string
  value: number
}

/** One bar of a monthly chart: the month's days inside the range, and its figure. */
export interface MonthBar {
  from: Date
  to: Date
  value: number
  /** the range or today cuts the month short */
  partial: boolean
}

/** The points of each calendar month (YYYY-MM), in order. */
export function byCalendarMonth(points: ChartPoint[]): Map<string, ChartPoint[]> {
  const months = new Map<string, ChartPoint[]>()
  for (const p of points) {
    const key = p.date.slice(0, 7)
    const list = months.get(key)
    if (list) list.push(p)
    else months.set(key, [p])
  }
  return months
}

/** The points grouped by calendar month, each month clipped to [first, end). */
export function monthBars(points: ChartPoint[], first: Date, end: Date, monthly: NonNullable<MetricStyle['monthly']>): MonthBar[] {
  return [...byCalendarMonth(points)].map(([key, list]) => {
    const values = list.map((p) => p.value)
    const start = dayDate(`${key}-01`)
    const from = start < first ? first : start
    const monthEnd = utcMonth.offset(start, 1)
    const to = monthEnd > end ? end : monthEnd
    return { from, to, value: monthly.figure(values), partial: (!monthly.lastDay && from > start) || to < monthEnd }
  })
}

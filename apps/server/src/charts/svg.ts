// Server-side SVG charts of a daily statistic, built as a string: scales, ticks and paths come
// from d3 (d3-scale, d3-shape, d3-path, d3-time, d3-format), no DOM needed.
//
// MAU is month-to-date (devices seen since the 1st): it restarts every month, so its line is cut
// at each month boundary, which is marked. Over long ranges (more than two months) daily MAU and
// daily bandwidth bars read badly: they are drawn as one bar a month instead (the month's MAU, the
// month's bytes), a month the range or today cuts short drawn paler. The x axis stops at today.
import type { Graph } from '@capgo-api/api'
import { path as d3path } from 'd3-path'
import { scaleLinear, scaleUtc } from 'd3-scale'
import { area, line } from 'd3-shape'
import { utcDay, utcHour, utcMonth } from 'd3-time'
import { utcFormat } from 'd3-time-format'
import { byteTicks, dayDate, esc, formatValue, isoDay, longDay, n } from './format.ts'
import { METRICS, MONTHLY_AFTER_DAYS } from './metrics.ts'
import { byCalendarMonth, type ChartPoint, monthBars } from './months.ts'

export type { ChartPoint } from './months.ts'

export interface ChartOptions {
  metric: Graph
  /** one point per day, in order (none after today: statistics invent no days) */
  points: ChartPoint[]
  /** the requested days (YYYY-MM-DD): the x axis spans them, also where there is no point yet */
  range?: { from: string; to: string }
  /** what the chart is about, e.g. "App com.example.app" */
  subject: string
  /** today (YYYY-MM-DD, UTC; default the current day): the x axis stops there */
  today?: string
  width?: number
  height?: number
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
const INK = '#111827'
const MUTED = '#6b7280'
const GRID = '#e5e7eb'

/** The chart of one metric over consecutive days, as a standalone SVG document. */
export function renderChart(opts: ChartOptions): string {
  const style = METRICS[opts.metric]
  const width = opts.width ?? 800
  const height = opts.height ?? 400
  const margin = { top: 76, right: 28, bottom: 68, left: 84 }
  const innerW = width - margin.left - margin.right
  const innerH = height - margin.top - margin.bottom
  const points = opts.points
  if (!points.length && !opts.range) throw new Error('renderChart needs a day or a range')
  const values = points.map((p) => p.value)
  const empty = values.every((v) => v === 0)

  // ---- scales: a day spans [x(day), x(day + 1)]; values sit at the day's centre
  const first = dayDate(opts.range?.from ?? points[0]!.date)
  // no day after today on the axis (a range wholly in the future keeps its days: it is all empty)
  const today = dayDate(opts.today ?? isoDay(new Date()))
  const asked = dayDate(opts.range?.to ?? points.at(-1)!.date)
  const last = asked > today && first <= today ? today : asked
  const end = utcDay.offset(last, 1)
  const days = utcDay.count(first, end)
  const byMonth = style.monthly && days > MONTHLY_AFTER_DAYS ? style.monthly : undefined
  const bars = byMonth ? monthBars(points, first, end, byMonth) : []
  const x = scaleUtc().domain([first, end]).range([0, innerW])
  const center = (p: ChartPoint) => x(utcHour.offset(dayDate(p.date), 12))
  const dayWidth = innerW / days
  const max = Math.max(...(byMonth ? bars.map((b) => b.value) : values))
  const tickCount = Math.max(1, Math.min(5, style.bytes ? 5 : Math.ceil(max)))
  const y = scaleLinear()
    .domain([0, empty ? 1 : max])
    .range([innerH, 0])
    .nice(tickCount)
  const yTicks = empty ? [0] : y.ticks(tickCount)
  const yLabels = style.bytes ? byteTicks(yTicks) : yTicks.map(y.tickFormat(tickCount, ',~f'))

  // date ticks from the time scale, kept to whole days inside the range; by month, one a month
  // (at the middle of its days in the range)
  const months = utcMonth.range(utcMonth.floor(first), end).map((m) => new Date(Math.max(+m, +first)))
  const monthWidth = (m: Date) => {
    const next = utcMonth.offset(utcMonth.floor(m), 1)
    return x(new Date(Math.min(+next, +end))) - x(m)
  }
  // a month with only a few days in the range has no room for its name
  let xTicks = byMonth
    ? months.filter((m) => monthWidth(m) >= 28)
    : x.ticks(Math.min(8, days)).filter((d) => +d === +utcDay.floor(d) && d < end)
  if (!xTicks.length) xTicks = [first]
  const tickX = (d: Date) => {
    if (!byMonth) return x(utcHour.offset(d, 12))
    return x(d) + monthWidth(d) / 2
  }
  // the year goes on a second line, under the first tick and wherever it changes
  const monthly = byMonth !== undefined || (days > 62 && xTicks.every((d) => d.getUTCDate() === 1))
  const xLabel = (d: Date) => utcFormat(monthly ? '%b' : '%b %-d')(d)
  const xYear = (d: Date, i: number) => (i === 0 || d.getUTCFullYear() !== xTicks[i - 1]!.getUTCFullYear() ? utcFormat('%Y')(d) : '')

  // ---- the series: one path (a line, or every bar as one path), plus its area and dots
  let seriesPath: string
  let extra = ''
  let overlay = ''
  const asBars = style.kind === 'bars' || byMonth !== undefined
  if (byMonth) {
    // one bar a month; a month cut short by the range or today is paler (its own path, same series)
    const all = d3path()
    const cut = d3path()
    for (const b of bars) {
      if (b.value <= 0) continue
      const x0 = x(b.from)
      const w = Math.max(1, (x(b.to) - x0) * 0.8)
      const rect = [n(x0 + (x(b.to) - x0 - w) / 2), n(y(b.value)), n(w), n(innerH - y(b.value))] as const
      all.rect(...rect)
      if (b.partial) cut.rect(...rect)
    }
    seriesPath = all.toString()
    if (cut.toString())
      overlay += `<path class="partial-month" d="${cut.toString()}" fill="#ffffff" fill-opacity="0.45" stroke="none" pointer-events="none"/>`
  } else if (style.kind === 'bars') {
    const p = d3path()
    const w = Math.max(1, dayWidth * 0.76)
    for (const pt of points) if (pt.value > 0) p.rect(n(center(pt) - w / 2), n(y(pt.value)), n(w), n(innerH - y(pt.value)))
    seriesPath = p.toString()
  } else {
    const ln = line<ChartPoint>()
      .x(center)
      .y((p) => y(p.value))
      .curve(style.curve)
      .digits(2)
    const ar = area<ChartPoint>()
      .x(center)
      .y0(innerH)
      .y1((p) => y(p.value))
      .curve(style.curve)
      .digits(2)
    // month-to-date: one stretch of line per month, so the drop on the 1st is not drawn as a fall
    const stretches = style.monthToDate ? [...byCalendarMonth(points).values()] : [points]
    seriesPath = stretches.map((s) => ln(s) ?? '').join('')
    if (!empty)
      extra += `<path class="area" d="${stretches.map((s) => ar(s) ?? '').join('')}" fill="${style.color}" fill-opacity="0.12" stroke="none"/>`
    if (points.length <= 45) {
      extra += points
        .map(
          (p) =>
            `<circle class="dot" cx="${n(center(p))}" cy="${n(y(p.value))}" r="${points.length <= 14 ? 3.5 : 2.5}" fill="${style.color}"/>`,
        )
        .join('')
    }
  }

  // month-to-date in days: each 1st inside the range is marked, the count restarts there
  if (style.monthToDate && !byMonth)
    for (const m of utcMonth.range(utcDay.offset(first, 1), end)) {
      const mx = n(x(m))
      // the label sits right of the line, or left of it near the right edge
      const left = mx > innerW - 150
      extra +=
        `<line class="month-boundary" x1="${mx}" x2="${mx}" y1="-16" y2="${innerH}" stroke="${MUTED}" stroke-width="1" stroke-dasharray="4 3"/>` +
        `<text class="month-label" x="${n(left ? mx - 4 : mx + 4)}" y="-6"${left ? ' text-anchor="end"' : ''} font-size="11" fill="${MUTED}">${esc(utcFormat('%b %-d')(m))}: count restarts</text>`
    }

  const [sumLabel, sumValue] = style.summary(values)
  const summary = `${sumLabel}: ${formatValue(sumValue, style.bytes)}${style.bytes ? '' : sumValue === 1 ? ' device' : ' devices'}`
  const range = days === 1 ? longDay(first) : `${longDay(first)} – ${longDay(last)}`
  // the title stays on one line whatever the subject's length
  const room = Math.max(12, Math.floor((width - margin.left - margin.right) / 10.5) - style.title.length - 3)
  const subject = opts.subject.length > room ? `${opts.subject.slice(0, room - 1)}…` : opts.subject
  const title = `${style.title} · ${subject}`

  const grid = yTicks
    .map((t, i) => {
      const ty = n(y(t))
      return (
        `<line x1="0" x2="${innerW}" y1="${ty}" y2="${ty}" stroke="${t === 0 ? '#9ca3af' : GRID}" stroke-width="1"/>` +
        `<text class="tick y-tick" x="-10" y="${ty}" dy="0.32em" text-anchor="end" font-size="12" fill="${MUTED}">${esc(yLabels[i]!)}</text>`
      )
    })
    .join('')
  const xAxis = xTicks
    .map((d, i) => {
      const tx = n(tickX(d))
      return (
        `<line x1="${tx}" x2="${tx}" y1="${innerH}" y2="${innerH + 5}" stroke="#9ca3af"/>` +
        `<text class="tick x-tick" x="${tx}" y="${innerH + 20}" text-anchor="middle" font-size="12" fill="${MUTED}">${esc(xLabel(d))}</text>` +
        (xYear(d, i)
          ? `<text class="tick x-year" x="${tx}" y="${innerH + 35}" text-anchor="middle" font-size="11" fill="${MUTED}">${xYear(d, i)}</text>`
          : '')
      )
    })
    .join('')

  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title chart-desc" font-family="${esc(FONT)}">`,
    `<title id="chart-title">${esc(`${style.title} · ${opts.subject}`)}</title>`,
    `<desc id="chart-desc">${esc(`${style.title} per ${byMonth ? byMonth.per : 'day'}, ${range}. ${summary}.`)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${margin.left}" y="30" font-size="18" font-weight="600" fill="${INK}">${esc(title)}</text>`,
    `<text class="subtitle" x="${margin.left}" y="52" font-size="13" fill="${MUTED}">${esc(range)} (UTC)</text>`,
    `<text class="summary" x="${width - margin.right}" y="52" text-anchor="end" font-size="14" font-weight="600" fill="${style.color}">${esc(summary)}</text>`,
    `<g class="plot" transform="translate(${margin.left},${margin.top})">`,
    `<g class="axis y-axis">${grid}</g>`,
    `<g class="axis x-axis">${xAxis}</g>`,
    extra,
    `<path class="series" data-metric="${opts.metric}" data-per="${byMonth ? 'month' : 'day'}" d="${seriesPath}" fill="${asBars ? style.color : 'none'}" stroke="${asBars ? 'none' : style.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`,
    overlay,
    empty
      ? `<text class="empty" x="${n(innerW / 2)}" y="${n(innerH / 2)}" text-anchor="middle" font-size="15" fill="${MUTED}">No ${esc(style.title.toLowerCase())} recorded in this period</text>`
      : '',
    `</g>`,
    `<text class="axis-label y-label" transform="translate(18,${n(margin.top + innerH / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="${MUTED}">${esc(byMonth ? byMonth.axis : style.axis)}</text>`,
    `<text class="axis-label x-label" x="${n(margin.left + innerW / 2)}" y="${height - 10}" text-anchor="middle" font-size="12" fill="${MUTED}">Date (UTC)</text>`,
    `</svg>`,
    '',
  ].join('\n')
}

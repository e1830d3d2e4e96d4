// Server-side SVG charts of a daily statistic, built as a string: scales, ticks and paths come
// from d3 (d3-scale, d3-shape, d3-path, d3-time, d3-format), no DOM needed.
import type { Graph } from '@capgo-api/api'
import { format, formatPrefix, precisionPrefix } from 'd3-format'
import { path as d3path } from 'd3-path'
import { scaleLinear, scaleUtc } from 'd3-scale'
import { area, type CurveFactory, curveLinear, curveStepAfter, line } from 'd3-shape'
import { utcDay, utcHour } from 'd3-time'
import { utcFormat } from 'd3-time-format'

export interface ChartPoint {
  /** YYYY-MM-DD (UTC) */
  date: string
  value: number
}

export interface ChartOptions {
  metric: Graph
  /** one point per day, in order (none after today: statistics invent no days) */
  points: ChartPoint[]
  /** the requested days (YYYY-MM-DD): the x axis spans them, also where there is no point yet */
  range?: { from: string; to: string }
  /** what the chart is about, e.g. "App com.example.app" */
  subject: string
  width?: number
  height?: number
}

interface MetricStyle {
  title: string
  axis: string
  bytes: boolean
  kind: 'line' | 'bars'
  curve: CurveFactory
  color: string
  summary: (values: number[]) => [label: string, value: number]
}

const METRICS: Record<Graph, MetricStyle> = {
  mau: {
    title: 'Monthly active users',
    axis: 'Devices this month',
    bytes: false,
    kind: 'line',
    curve: curveLinear,
    color: '#2563eb',
    summary: (v) => ['Peak', Math.max(0, ...v)],
  },
  storage: {
    title: 'Storage',
    axis: 'Bundle storage',
    bytes: true,
    kind: 'line',
    curve: curveStepAfter,
    color: '#7c3aed',
    summary: (v) => ['Latest', v.at(-1) ?? 0],
  },
  bandwidth: {
    title: 'Bandwidth',
    axis: 'Bytes served per day',
    bytes: true,
    kind: 'bars',
    curve: curveLinear,
    color: '#059669',
    summary: (v) => ['Total', v.reduce((a, b) => a + b, 0)],
  },
}

export const chartTitle = (metric: Graph) => METRICS[metric].title

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
const INK = '#111827'
const MUTED = '#6b7280'
const GRID = '#e5e7eb'

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
function byteTicks(ticks: number[]) {
  const top = Math.max(...ticks)
  if (top < 1000) return ticks.map((t) => `${format(',~f')(t)} B`)
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : top
  const f = formatPrefix(`,.${precisionPrefix(step, top)}~`, top)
  return ticks.map((t) => (t === 0 ? '0' : asBytes(f(t))))
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const n = (v: number) => Math.round(v * 100) / 100

const dayDate = (d: string) => new Date(`${d}T00:00:00Z`)
const longDay = utcFormat('%-d %b %Y')

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
  const last = dayDate(opts.range?.to ?? points.at(-1)!.date)
  const end = utcDay.offset(last, 1)
  const days = utcDay.count(first, end)
  const x = scaleUtc().domain([first, end]).range([0, innerW])
  const center = (p: ChartPoint) => x(utcHour.offset(dayDate(p.date), 12))
  const dayWidth = innerW / days
  const max = Math.max(...values)
  const tickCount = Math.max(1, Math.min(5, style.bytes ? 5 : Math.ceil(max)))
  const y = scaleLinear()
    .domain([0, empty ? 1 : max])
    .range([innerH, 0])
    .nice(tickCount)
  const yTicks = empty ? [0] : y.ticks(tickCount)
  const yLabels = style.bytes ? byteTicks(yTicks) : yTicks.map(y.tickFormat(tickCount, ',~f'))

  // date ticks from the time scale, kept to whole days inside the range
  let xTicks = x.ticks(Math.min(8, days)).filter((d) => +d === +utcDay.floor(d) && d < end)
  if (!xTicks.length) xTicks = [first]
  // the year goes on a second line, under the first tick and wherever it changes
  const monthly = days > 62 && xTicks.every((d) => d.getUTCDate() === 1)
  const xLabel = (d: Date) => utcFormat(monthly ? '%b' : '%b %-d')(d)
  const xYear = (d: Date, i: number) => (i === 0 || d.getUTCFullYear() !== xTicks[i - 1]!.getUTCFullYear() ? utcFormat('%Y')(d) : '')

  // ---- the series: one path (a line, or every bar as one path), plus its area and dots
  let seriesPath: string
  let extra = ''
  if (style.kind === 'bars') {
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
    seriesPath = ln(points) ?? ''
    if (!empty) extra += `<path class="area" d="${ar(points) ?? ''}" fill="${style.color}" fill-opacity="0.12" stroke="none"/>`
    if (points.length <= 45) {
      extra += points
        .map(
          (p) =>
            `<circle class="dot" cx="${n(center(p))}" cy="${n(y(p.value))}" r="${points.length <= 14 ? 3.5 : 2.5}" fill="${style.color}"/>`,
        )
        .join('')
    }
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
      const tx = n(x(utcHour.offset(d, 12)))
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
    `<desc id="chart-desc">${esc(`${style.title} per day, ${range}. ${summary}.`)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${margin.left}" y="30" font-size="18" font-weight="600" fill="${INK}">${esc(title)}</text>`,
    `<text class="subtitle" x="${margin.left}" y="52" font-size="13" fill="${MUTED}">${esc(range)} (UTC)</text>`,
    `<text class="summary" x="${width - margin.right}" y="52" text-anchor="end" font-size="14" font-weight="600" fill="${style.color}">${esc(summary)}</text>`,
    `<g class="plot" transform="translate(${margin.left},${margin.top})">`,
    `<g class="axis y-axis">${grid}</g>`,
    `<g class="axis x-axis">${xAxis}</g>`,
    extra,
    `<path class="series" data-metric="${opts.metric}" d="${seriesPath}" fill="${style.kind === 'bars' ? style.color : 'none'}" stroke="${style.kind === 'bars' ? 'none' : style.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`,
    empty
      ? `<text class="empty" x="${n(innerW / 2)}" y="${n(innerH / 2)}" text-anchor="middle" font-size="15" fill="${MUTED}">No ${esc(style.title.toLowerCase())} recorded in this period</text>`
      : '',
    `</g>`,
    `<text class="axis-label y-label" transform="translate(18,${n(margin.top + innerH / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="${MUTED}">${esc(style.axis)}</text>`,
    `<text class="axis-label x-label" x="${n(margin.left + innerW / 2)}" y="${height - 10}" text-anchor="middle" font-size="12" fill="${MUTED}">Date (UTC)</text>`,
    `</svg>`,
    '',
  ].join('\n')
}

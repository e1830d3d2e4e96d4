import { describe, expect, it } from 'vitest'
import { type ChartPoint, renderChart } from '../src/charts/svg.ts'
import { createTenant, rest } from './harness.ts'
import { byClass, createBundle, parseSvg, seen, served, texts } from './statistics-helpers.ts'

const chart = async (url: string, key: string, query: Record<string, string>) => {
  const res = await rest('GET', url, { key, query })
  expect(res.status, String(res.body).slice(0, 300)).toBe(200)
  expect(String(res.headers['content-type'])).toMatch(/^image\/svg\+xml/)
  return { res, doc: parseSvg(res.body as string) }
}

describe('/statistics charts (SVG)', () => {
  it('each metric is a chart with title, dated x axis, valued y axis and one path for its series', async () => {
    const t = await createTenant()
    await seen(t.appId, '2026-02-27', 'a', 'b')
    await seen(t.appId, '2026-03-02', 'a')
    await served(t.appId, '2026-02-28', 2_500_000)
    await served(t.appId, '2026-03-03', 750_000)
    await createBundle(t.appId, '2026-02-26', 1_600_000_000)
    await createBundle(t.appId, '2026-02-26', 1_600_000_000) // Bundle.size is a 32-bit int on PostgreSQL
    const query = { from: '2026-02-25', to: '2026-03-10' }
    const expectations = {
      mau: { title: 'Monthly active users', axis: 'Devices this month', summary: 'Peak: 2 devices', unit: null },
      storage: { title: 'Storage', axis: 'Bundle storage', summary: 'Latest: 3.2 GB', unit: 'GB' },
      bandwidth: { title: 'Bandwidth', axis: 'Bytes served per day', summary: 'Total: 3.3 MB', unit: 'MB' },
    } as const
    for (const [metric, want] of Object.entries(expectations)) {
      const { doc } = await chart(`/statistics/app/${t.appId}`, t.keys.read, { ...query, graph: metric })
      const svg = doc.documentElement!
      expect(svg.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg')
      expect(svg.getAttribute('viewBox')).toMatch(/^0 0 \d+ \d+$/)
      expect(doc.getElementsByTagName('title')[0]!.textContent).toContain(want.title)
      expect(texts(byClass(doc, 'text', 'title'))[0]).toContain(want.title)
      expect(texts(byClass(doc, 'text', 'title'))[0]).toContain(t.appId)
      expect(texts(byClass(doc, 'text', 'subtitle'))[0]).toBe('25 Feb 2026 – 10 Mar 2026 (UTC)')
      expect(texts(byClass(doc, 'text', 'summary'))).toEqual([want.summary])
      expect(texts(byClass(doc, 'text', 'axis-label'))).toEqual([want.axis, 'Date (UTC)'])
      // date axis: day labels in order, the year under the first
      const xTicks = texts(byClass(doc, 'text', 'x-tick'))
      expect(xTicks.length).toBeGreaterThanOrEqual(3)
      expect(xTicks[0]).toMatch(/^Feb \d+$/)
      expect(xTicks.at(-1)).toMatch(/^Mar \d+$/)
      expect(texts(byClass(doc, 'text', 'x-year'))).toEqual(['2026'])
      // value axis: starts at 0, human units for bytes
      const yTicks = texts(byClass(doc, 'text', 'y-tick'))
      expect(yTicks[0]).toBe('0')
      expect(yTicks.length).toBeGreaterThanOrEqual(2)
      if (want.unit) for (const label of yTicks.slice(1)) expect(label).toMatch(new RegExp(`^[\\d.,]+ ${want.unit}$`))
      else for (const label of yTicks) expect(label).toMatch(/^[\d,]+$/)
      // exactly one series path, drawn, and no empty-state message
      const series = byClass(doc, 'path', 'series')
      expect(series).toHaveLength(1)
      expect(series[0]!.getAttribute('data-metric')).toBe(metric)
      expect(series[0]!.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+/)
      expect(byClass(doc, 'text', 'empty')).toHaveLength(0)
    }
  })

  it('bandwidth bars: one rectangle per day with data, in the one series path', async () => {
    const t = await createTenant()
    await served(t.appId, '2026-04-02', 1_000)
    await served(t.appId, '2026-04-04', 2_000)
    const { doc } = await chart(`/statistics/app/${t.appId}`, t.keys.read, { from: '2026-04-01', to: '2026-04-05', graph: 'bandwidth' })
    const d = byClass(doc, 'path', 'series')[0]!.getAttribute('d')!
    expect(d.match(/M/g)).toHaveLength(2)
    expect(texts(byClass(doc, 'text', 'y-tick')).at(-1)).toBe('2 KB')
  })

  it('all zeros: an empty-state message over a flat axis', async () => {
    const t = await createTenant()
    for (const metric of ['mau', 'storage', 'bandwidth']) {
      const { doc } = await chart(`/statistics/app/${t.appId}`, t.keys.read, { from: '2026-01-01', to: '2026-01-07', graph: metric })
      const empty = texts(byClass(doc, 'text', 'empty'))
      expect(empty).toHaveLength(1)
      expect(empty[0]).toMatch(/^No .+ recorded in this period$/)
      expect(texts(byClass(doc, 'text', 'y-tick'))).toHaveLength(1)
      expect(byClass(doc, 'path', 'series')).toHaveLength(1)
    }
  })

  it('org and user charts name what they show; JSON stays JSON on the same paths', async () => {
    const t = await createTenant()
    const { res, doc } = await chart(`/statistics/org/${t.orgId}`, t.keys.read, { from: '2026-01-01', to: '2026-01-31', graph: 'mau' })
    expect(String(res.headers['x-content-type-options'])).toBe('nosniff')
    expect(texts(byClass(doc, 'text', 'title'))[0]).toMatch(/^Monthly active users · Org /)
    const user = await chart('/statistics/user', t.keys.read, { from: '2025-12-01', to: '2026-03-31', graph: 'storage' })
    expect(texts(byClass(user.doc, 'text', 'title'))[0]).toBe('Storage · All your organizations')
    // a long range has month ticks and the year on every change of year
    expect(texts(byClass(user.doc, 'text', 'x-tick'))).toEqual(['Dec', 'Jan', 'Feb', 'Mar'])
    expect(texts(byClass(user.doc, 'text', 'x-year'))).toEqual(['2025', '2026'])
    const json = await rest('GET', '/statistics/user', { key: t.keys.read, query: { from: '2026-01-01', to: '2026-01-02' } })
    expect(json.body).toEqual([
      { date: '2026-01-01', mau: 0, storage: 0, bandwidth: 0 },
      { date: '2026-01-02', mau: 0, storage: 0, bandwidth: 0 },
    ])
  })

  it('escapes names and renders a single day', () => {
    const svg = renderChart({ metric: 'mau', subject: '<script>alert("x")</script> & co', points: [{ date: '2026-01-01', value: 3 }] })
    const doc = parseSvg(svg)
    expect(doc.getElementsByTagName('script')).toHaveLength(0)
    expect(texts(byClass(doc, 'text', 'title'))[0]).toBe('Monthly active users · <script>alert("x")</script> & co')
    expect(texts(byClass(doc, 'text', 'x-tick'))).toEqual(['Jan 1'])
    expect(byClass(doc, 'circle', 'dot')).toHaveLength(1)
  })

  it('/openapi.json documents the graph parameter of the three statistics operations', async () => {
    const doc = (await rest('GET', '/openapi.json')).body
    for (const path of ['/statistics/app/{app_id}', '/statistics/org/{org_id}', '/statistics/user']) {
      const op = doc.paths[path].get
      const names = op.parameters.map((p: { name: string }) => p.name)
      expect(names).toEqual(expect.arrayContaining(['from', 'to', 'graph']))
      expect(op.parameters.find((p: { name: string }) => p.name === 'graph').schema.enum).toEqual(['mau', 'storage', 'bandwidth'])
      expect(op.description).toContain('image/svg+xml')
    }
  })
})

/** One point a day from `from` to `to` (inclusive), valued by `f`. */
function daily(from: string, to: string, f: (date: string) => number): ChartPoint[] {
  const out: ChartPoint[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10)
    out.push({ date, value: f(date) })
  }
  return out
}
/** The rectangles of a bars path (d3-path: `M x,y h w v h h -w Z`). */
const rects = (d: string) =>
  [...d.matchAll(/M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    w: Number(m[3]),
    h: Number(m[4]),
  }))
const subpaths = (d: string) => d.match(/M/g)?.length ?? 0
const attr = (el: { getAttribute(name: string): string | null } | undefined, name: string) => el?.getAttribute(name) ?? ''
/** A month-to-date count: the day of the month times 10, plus the month (so months differ). */
const monthToDate = (date: string) => Number(date.slice(8, 10)) * 10 + Number(date.slice(5, 7))

describe('charts: MAU is month-to-date, long ranges by month, nothing after today', () => {
  it('daily MAU across a month: the boundary is marked and the line restarts there', () => {
    const points = daily('2026-02-20', '2026-03-12', monthToDate)
    const doc = parseSvg(
      renderChart({ metric: 'mau', subject: 'a', range: { from: '2026-02-20', to: '2026-03-12' }, points, today: '2026-12-01' }),
    )
    const boundaries = byClass(doc, 'line', 'month-boundary')
    expect(boundaries).toHaveLength(1)
    expect(texts(byClass(doc, 'text', 'month-label'))).toEqual(['Mar 1: count restarts'])
    // the boundary sits between the last February point and the first March one
    const dots = byClass(doc, 'circle', 'dot').map((c) => Number(attr(c, 'cx')))
    const bx = Number(attr(boundaries[0], 'x1'))
    expect(dots[8]! < bx && bx < dots[9]!).toBe(true) // Feb 20..28 are the first 9
    // one stretch of line (and of area) per month: no line drawn down from Feb 28 to Mar 1
    const series = byClass(doc, 'path', 'series')[0]!
    expect(attr(series, 'data-per')).toBe('day')
    expect(subpaths(attr(series, 'd'))).toBe(2)
    expect(subpaths(attr(byClass(doc, 'path', 'area')[0], 'd'))).toBe(2)
    // storage is not month-to-date: one line, no boundary
    const storage = parseSvg(
      renderChart({ metric: 'storage', subject: 'a', range: { from: '2026-02-20', to: '2026-03-12' }, points, today: '2026-12-01' }),
    )
    expect(byClass(storage, 'line', 'month-boundary')).toHaveLength(0)
    expect(subpaths(attr(byClass(storage, 'path', 'series')[0], 'd'))).toBe(1)
    // within one month: no boundary
    const march = parseSvg(
      renderChart({ metric: 'mau', subject: 'a', points: daily('2026-03-01', '2026-03-31', monthToDate), today: '2026-12-01' }),
    )
    expect(byClass(march, 'line', 'month-boundary')).toHaveLength(0)
  })

  it('366 days of MAU: one bar a month, its figure the month-to-date count of its last day', () => {
    const today = '2026-12-01'
    const points = daily('2025-12-01', today, monthToDate)
    const doc = parseSvg(renderChart({ metric: 'mau', subject: 'a', range: { from: '2025-12-01', to: today }, points, today }))
    const series = byClass(doc, 'path', 'series')[0]!
    expect(attr(series, 'data-per')).toBe('month')
    const bars = rects(attr(series, 'd'))
    expect(bars).toHaveLength(13) // Dec 2025 … Nov 2026, and today's Dec 2026
    // heights follow the last day of each month (31 → 310 + month, 30 → 300 + month, Feb 28 → 282, today 1 → 12)
    const lastDays = [
      [31, 12],
      [31, 1],
      [28, 2],
      [31, 3],
      [30, 4],
      [31, 5],
      [30, 6],
      [31, 7],
      [31, 8],
      [30, 9],
      [31, 10],
      [30, 11],
      [1, 12],
    ]
    const expected = lastDays.map(([d, m]) => d! * 10 + m!)
    const heights = bars.map((b) => b.h)
    for (let i = 1; i < bars.length; i++)
      expect(Math.sign(heights[i]! - heights[0]!), `bar ${i}`).toBe(Math.sign(expected[i]! - expected[0]!))
    expect(heights[1]! / heights[12]!).toBeCloseTo(expected[1]! / expected[12]!, 1)
    // bars in order, not overlapping
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.x).toBeGreaterThan(bars[i - 1]!.x + bars[i - 1]!.w)
    // the month today cuts short is drawn paler (its rectangle again under a white veil)
    expect(rects(attr(byClass(doc, 'path', 'partial-month')[0], 'd'))).toEqual([bars[12]])
    expect(texts(byClass(doc, 'text', 'axis-label'))[0]).toBe('Devices in the month')
    expect(doc.getElementsByTagName('desc')[0]!.textContent).toMatch(
      /^Monthly active users per month, 1 Dec 2025 – 1 Dec 2026\. Peak: 322 devices\.$/,
    )
    // month ticks (a month with a day or two in range has no room for a name), the year at each change
    expect(texts(byClass(doc, 'text', 'x-tick'))).toEqual([
      'Dec',
      'Jan',
      'Feb',
      'Mar',
      'Apr',
      'May',
      'Jun',
      'Jul',
      'Aug',
      'Sep',
      'Oct',
      'Nov',
    ])
    expect(texts(byClass(doc, 'text', 'x-year'))).toEqual(['2025', '2026'])
    expect(byClass(doc, 'line', 'month-boundary')).toHaveLength(0)
    expect(byClass(doc, 'circle', 'dot')).toHaveLength(0)
  })

  it('long bandwidth: monthly totals; a month the range starts late in is partial, for MAU it is whole', () => {
    const today = '2026-12-01'
    const points = daily('2025-12-15', '2026-11-30', () => 1_000)
    const doc = parseSvg(renderChart({ metric: 'bandwidth', subject: 'a', range: { from: '2025-12-15', to: '2026-11-30' }, points, today }))
    const bars = rects(attr(byClass(doc, 'path', 'series')[0], 'd'))
    expect(bars).toHaveLength(12)
    // 17 days of December, 31 of January: totals, not daily values
    expect(bars[0]!.h / bars[1]!.h).toBeCloseTo(17 / 31, 2)
    expect(texts(byClass(doc, 'text', 'summary'))).toEqual(['Total: 351 KB']) // 351 days of 1 KB
    expect(texts(byClass(doc, 'text', 'axis-label'))[0]).toBe('Bytes served per month')
    expect(rects(attr(byClass(doc, 'path', 'partial-month')[0], 'd'))).toEqual([bars[0]])
    const mau = parseSvg(
      renderChart({
        metric: 'mau',
        subject: 'a',
        range: { from: '2025-12-15', to: '2026-11-30' },
        points: daily('2025-12-15', '2026-11-30', monthToDate),
        today,
      }),
    )
    expect(byClass(mau, 'path', 'partial-month')).toHaveLength(0)
    // storage keeps its daily line (a level, not a count), with month ticks
    const storage = parseSvg(
      renderChart({ metric: 'storage', subject: 'a', range: { from: '2025-12-15', to: '2026-11-30' }, points, today }),
    )
    expect(attr(byClass(storage, 'path', 'series')[0], 'data-per')).toBe('day')
    expect(texts(byClass(storage, 'text', 'x-tick')).every((t) => /^[A-Z][a-z]{2}$/.test(t))).toBe(true)
  })

  it('the axis stops at today; two months or less stay daily', () => {
    const doc = parseSvg(
      renderChart({
        metric: 'mau',
        subject: 'a',
        range: { from: '2026-11-20', to: '2026-12-20' },
        points: daily('2026-11-20', '2026-12-01', monthToDate),
        today: '2026-12-01',
      }),
    )
    expect(texts(byClass(doc, 'text', 'subtitle'))).toEqual(['20 Nov 2026 – 1 Dec 2026 (UTC)'])
    expect(texts(byClass(doc, 'text', 'x-tick')).at(-1)).toBe('Dec 1')
    // the last dot is at the right end of the axis (today's day centre), not three weeks before it
    const axisEnd = Math.max(...byClass(doc, 'line', '').map((l) => Number(l.getAttribute('x2') ?? 0)))
    const lastDot = Math.max(...byClass(doc, 'circle', 'dot').map((c) => Number(attr(c, 'cx'))))
    expect(axisEnd - lastDot).toBeLessThan(688 / 12)
    const twoMonths = parseSvg(
      renderChart({ metric: 'mau', subject: 'a', points: daily('2026-09-01', '2026-10-31', monthToDate), today: '2026-12-01' }),
    )
    expect(attr(byClass(twoMonths, 'path', 'series')[0], 'data-per')).toBe('day')
  })

  it('over HTTP: a year of MAU is monthly bars, and a range past today ends today', async () => {
    const t = await createTenant()
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
    await seen(t.appId, day(-40), 'a', 'b', 'c')
    await seen(t.appId, day(0), 'a')
    const year = await chart(`/statistics/app/${t.appId}`, t.keys.read, { from: day(-365), to: day(0), graph: 'mau' })
    const series = byClass(year.doc, 'path', 'series')[0]!
    expect(attr(series, 'data-per')).toBe('month')
    expect(rects(attr(series, 'd')).length).toBeGreaterThanOrEqual(2) // day -40's month and this one (the same one, rarely)
    const ahead = await chart(`/statistics/app/${t.appId}`, t.keys.read, { from: day(-3), to: day(20), graph: 'bandwidth' })
    const longDay = (d: string) =>
      new Date(`${d}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
    expect(texts(byClass(ahead.doc, 'text', 'subtitle'))).toEqual([`${longDay(day(-3))} – ${longDay(day(0))} (UTC)`])
  })
})

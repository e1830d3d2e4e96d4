import { describe, expect, it } from 'vitest'
import { renderChart } from '../src/charts/svg.ts'
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

// Renders each statistics chart in headless Chromium (Debian's `chromium` package) as a browser
// would get it from the server, and saves PNG screenshots under apps/server/test/output/ (git-ignored).
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumLaunch, screenshotPath } from './docs-helpers.ts'
import { createTenant, getApp } from './harness.ts'
import { createBundle, deleteBundle, seen, served } from './statistics-helpers.ts'

let browser: Browser
let base: string

beforeAll(async () => {
  browser = await chromium.launch(chromiumLaunch())
  const { app } = await getApp()
  base = await app.listen({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await browser?.close()
})

const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10)

describe('statistics charts in headless Chromium', () => {
  it('renders MAU, storage and bandwidth to PNG without errors', async () => {
    const t = await createTenant()
    // 75 days across three months: devices ramping up, bundles uploaded and deleted, daily downloads
    const bundles: string[] = []
    for (let i = 0; i < 75; i++) {
      await seen(t.appId, day(i), ...Array.from({ length: 1 + (i % 5) }, (_, k) => `dev-${(i * 3 + k) % 60}`))
      await served(t.appId, day(i), 1_000_000 * (5 + ((i * 37) % 23)))
      if (i % 9 === 0) bundles.push(await createBundle(t.appId, day(i), 12_000_000 + i * 100_000, `1.${i}.0`))
      if (i % 20 === 19) await deleteBundle(t.appId, bundles.shift()!, day(i))
    }
    const context = await browser.newContext({ viewport: { width: 800, height: 400 }, extraHTTPHeaders: { authorization: t.keys.read } })
    try {
      for (const metric of ['mau', 'storage', 'bandwidth', 'empty'] as const) {
        const page = await context.newPage()
        const problems: string[] = []
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
        })
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
        const range = metric === 'empty' ? 'from=2025-06-01&to=2025-06-30&graph=bandwidth' : `from=${day(0)}&to=${day(74)}&graph=${metric}`
        const res = await page.goto(`${base}/statistics/app/${t.appId}?${range}`)
        expect(res?.status()).toBe(200)
        expect(res?.headers()['content-type']).toMatch(/^image\/svg\+xml/)
        // Chromium parsed it as an SVG document and laid out a visible series
        const rendered = await page.evaluate(() => {
          const root = document.documentElement
          const series = document.querySelector('path.series') as SVGPathElement | null
          const box = series?.getBBox()
          return {
            tag: root.tagName,
            parseError: document.getElementsByTagName('parsererror').length,
            title: document.querySelector('text.title')?.textContent,
            seriesWidth: box?.width ?? 0,
            seriesHeight: box?.height ?? 0,
            yTicks: document.querySelectorAll('text.y-tick').length,
            xTicks: document.querySelectorAll('text.x-tick').length,
          }
        })
        expect(rendered.tag).toBe('svg')
        expect(rendered.parseError).toBe(0)
        expect(rendered.title).toContain(t.appId)
        expect(rendered.xTicks).toBeGreaterThanOrEqual(3)
        if (metric === 'empty') {
          expect(rendered.yTicks).toBe(1)
        } else {
          expect(rendered.yTicks).toBeGreaterThanOrEqual(3)
          expect(rendered.seriesWidth).toBeGreaterThan(500)
          expect(rendered.seriesHeight).toBeGreaterThan(50)
        }
        const png = await page.screenshot({ path: screenshotPath(`statistics-${metric}.png`) })
        expect(png.subarray(1, 4).toString()).toBe('PNG')
        expect(png.length).toBeGreaterThan(5_000)
        expect(problems).toEqual([])
        await page.close()
      }
    } finally {
      await context.close()
    }
  })
})

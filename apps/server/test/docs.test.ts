// /docs in a real browser: headless Debian Chromium driven by playwright-core. The Scalar page
// loads from this server alone, shows every tag and operation, takes the API key once (the
// document's security scheme), sends a request from the page and shows its answer, and shows a
// statistics chart (image/svg+xml) as an image. Nothing is requested from outside 127.0.0.1.
// Screenshots land in apps/server/test/output/ (git-ignored).
// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText (the rendered text), not the DOM property
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumLaunch, listenUrl, openApiDocument, operationsOf, SLOW, screenshotPath } from './docs-helpers.ts'
import { createTenant, rest } from './harness.ts'
import { seen } from './statistics-helpers.ts'

let context: BrowserContext
let userDataDir = ''
let base = ''
/** every URL the browser asked for, whichever page */
const requested: string[] = []

beforeAll(async () => {
  const launch = chromiumLaunch()
  base = await listenUrl()
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-chromium-'))
  context = await chromium.launchPersistentContext(userDataDir, {
    ...launch,
    headless: true,
    viewport: { width: 1400, height: 1000 },
  })
  context.on('request', (r) => requested.push(r.url()))
}, SLOW)

afterAll(async () => {
  await context?.close()
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true })
})

/** The section of an operation on the page (Scalar's id: `<title slug>/tag/<tag>/<METHOD><path>`). */
const operation = (page: Page, tag: string, method: string, p: string) =>
  page.locator(`[id$="/tag/${tag}/${method}${p}"]`).filter({ has: page.locator('button.show-api-client-button') })

/** Opens the operation's "Test Request" client, sends it, and answers the client's response panel. */
async function send(page: Page, tag: string, method: string, p: string) {
  await page.goto(`${base}/docs#tag/${tag}/${method}${p}`)
  const section = operation(page, tag, method, p)
  await section.locator('button.show-api-client-button').click({ timeout: 60_000 })
  await page.getByRole('button', { name: 'Send', exact: false }).first().click()
  // the answer's status, which the client links to its explanation
  const status = page.locator('a[href*="/docs/Web/HTTP/Status/"]').first()
  await status.waitFor({ timeout: 60_000 })
  return status
}

describe('/docs', () => {
  it('serves the page, its script and the document without a key, from this server', async () => {
    const page = await rest('GET', '/docs/')
    expect(page.status).toBe(200)
    expect(String(page.headers['content-type'])).toContain('text/html')
    expect(page.body).toContain('<title>capgo-api: API reference</title>')
    // the script is ours (no CDN), the fonts and the proxy are off
    expect(page.body).toContain('src="js/scalar.js"')
    expect(page.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
    const script = await rest('GET', '/docs/js/scalar.js')
    expect(script.status).toBe(200)
    expect(String(script.headers['content-type'])).toContain('javascript')
    const spec = await rest('GET', '/docs/openapi.json')
    expect(spec.status).toBe(200)
    expect(spec.body).toEqual(await openApiDocument())
  })

  it(
    'shows every tag group, tag and operation; the key entered once sends GET /app from the page; a chart answer is an image',
    async () => {
      const t = await createTenant()
      // something to chart: devices seen in January and February (the documented example range)
      for (let d = 1; d <= 59; d += 2) await seen(t.appId, new Date(Date.UTC(2026, 0, d)).toISOString().slice(0, 10), `dev-${d % 17}`)
      const doc = await openApiDocument()
      const page = await context.newPage()
      const problems: string[] = []
      page.on('pageerror', (e) => problems.push(e.message))
      await page.goto(`${base}/docs`)

      // the key, once: the authentication box of the document's security scheme
      const key = page.getByLabel('Value', { exact: true }).first()
      await key.waitFor({ timeout: 60_000 })
      await key.fill(t.keys.read)

      await page.screenshot({ path: screenshotPath('docs.png') })

      // the sidebar: both groups, and under them every tag by its display name
      const sidebar = page.locator('aside, nav').first()
      for (const g of doc['x-tagGroups'] as { name: string; tags: string[] }[]) {
        await expect(sidebar.getByText(g.name, { exact: true }).isVisible(), g.name).resolves.toBe(true)
      }
      await sidebar.getByText(doc['x-tagGroups'][1].name, { exact: true }).click()
      for (const tag of doc.tags as { name: string; 'x-displayName': string }[]) {
        await expect(sidebar.getByText(tag['x-displayName'], { exact: true }).isVisible(), `tag ${tag.name}`).resolves.toBe(true)
      }
      // every operation has its link (its section renders as the page scrolls)
      for (const o of operationsOf(doc)) {
        await expect(
          page.locator(`a[href="#tag/${o.op.tags[0]}/${o.method}${o.path}"]`).count(),
          `${o.method} ${o.path}`,
        ).resolves.toBeGreaterThan(0)
      }

      // an operation: its error table, curl sample with the key's header
      await page.goto(`${base}/docs#tag/channel/POST/channel`)
      const create = operation(page, 'channel', 'POST', '/channel')
      await create.locator('table').first().waitFor({ timeout: 60_000 })
      await expect(create.locator('table').first().innerText()).resolves.toContain('version_not_found')
      await expect(create.getByText(/curl/).first().isVisible()).resolves.toBe(true)
      await page.screenshot({ path: screenshotPath('docs-operation.png') })

      await page.goto(`${base}/docs#tag/statistics/GET/statistics/app/{app_id}`)
      await operation(page, 'statistics', 'GET', '/statistics/app/{app_id}').locator('table').first().waitFor({ timeout: 60_000 })
      await page.screenshot({ path: screenshotPath('docs-statistics.png') })

      // GET /app from the page: sent with the key, the tenant's app in the answer
      const status = await send(page, 'app', 'GET', '/app')
      await expect(status.innerText()).resolves.toMatch(/^200/)
      await expect(page.getByText(t.appId).first().isVisible()).resolves.toBe(true)
      await page.screenshot({ path: screenshotPath('docs-try-it.png') })
      expect(requested.some((u) => u.startsWith(`${base}/app?`))).toBe(true)

      // a chart: the answer is shown as an image, not as XML text
      await page.keyboard.press('Escape')
      const chart = await send(page, 'statistics', 'GET', '/statistics/user')
      await expect(chart.innerText()).resolves.toMatch(/^200/)
      const img = page.locator('img[src^="blob:"]').first()
      await img.waitFor({ timeout: 60_000 })
      const size = await img.evaluate((el) => ({ w: (el as HTMLImageElement).naturalWidth, h: (el as HTMLImageElement).naturalHeight }))
      expect(size.w).toBeGreaterThan(300)
      expect(size.h).toBeGreaterThan(150)
      await expect(page.getByText('<svg').count()).resolves.toBe(0)
      await page.screenshot({ path: screenshotPath('docs-chart.png') })
      expect(requested.some((u) => u.startsWith(`${base}/statistics/user?`) && u.includes('graph=mau'))).toBe(true)
      await page.close()

      // offline: the page loaded nothing from elsewhere
      const foreign = requested.filter((u) => !u.startsWith(`${base}/`) && !/^(data|blob|about):/.test(u))
      expect(foreign).toEqual([])
      expect(problems).toEqual([])
    },
    SLOW,
  )
})

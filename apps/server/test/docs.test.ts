// /docs in a real browser: headless Debian Chromium driven by playwright-core. Every tag is shown,
// an API key can be entered, and "Try it out" → Execute sends a real request; nothing is loaded
// from outside the server. The screenshot lands in screenshots/ (gitignored).
// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText (the rendered text), not the DOM property
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listenUrl, openApiDocument, SLOW, screenshotPath } from './docs-helpers.ts'
import { createTenant, rest } from './harness.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]

let context: BrowserContext
let userDataDir = ''
let base = ''
const requested: string[] = []

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`)
  }
  base = await listenUrl()
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-chromium-'))
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  })
  context.on('request', (r) => requested.push(r.url()))
}, SLOW)

afterAll(async () => {
  await context?.close()
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true })
})

describe('/docs', () => {
  it('serves the page and its spec without a key', async () => {
    const res = await rest('GET', '/docs/')
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toContain('text/html')
    expect(res.body).toContain('capgo-api: API reference')
    const spec = await rest('GET', '/docs/json')
    expect(spec.status).toBe(200)
    expect(spec.body.paths).toEqual((await openApiDocument()).paths)
  })

  it(
    'lists every tag and operation, and executes GET /app with an API key',
    async () => {
      const t = await createTenant()
      const doc = await openApiDocument()
      const page = await context.newPage()
      await page.goto(`${base}/docs`)
      await page.locator('.opblock-tag-section').first().waitFor({ timeout: 60_000 })

      // every tag's section is visible, with every operation of that tag
      for (const { name } of doc.tags as { name: string }[]) {
        await expect(page.locator(`h3.opblock-tag[data-tag="${name}"]`).isVisible(), `tag ${name}`).resolves.toBe(true)
      }
      for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        for (const [method, op] of Object.entries(item)) {
          const id = `#operations-${op.tags[0]}-${op.operationId}`
          await expect(page.locator(id).isVisible(), `${method} ${p} (${id})`).resolves.toBe(true)
        }
      }

      await page.screenshot({ path: screenshotPath('docs.png'), fullPage: true })

      // authorize with a key
      await page.locator('.auth-wrapper button.authorize').click()
      const modal = page.locator('.modal-ux')
      await modal.locator('input').first().fill(t.keys.read)
      await modal.locator('.auth-btn-wrapper button.authorize').click()
      await modal.locator('button.btn-done').click()
      await expect(page.locator('.auth-wrapper button.authorize.locked').count()).resolves.toBe(1)

      // GET /app → Try it out → Execute
      const op = page.locator('#operations-app-app-list')
      await op.locator('.opblock-summary-control').click()
      const tryIt = op.locator('button.try-out__btn')
      if ((await tryIt.count()) && /try it out/i.test(await tryIt.innerText())) await tryIt.click()
      await op.locator('button.execute').click()
      const status = op.locator('.live-responses-table tr.response .response-col_status').first()
      await status.waitFor({ timeout: 60_000 })
      expect((await status.innerText()).trim()).toBe('200')
      // the key was sent: the tenant's own app is in the answer
      await expect(op.locator('.live-responses-table tr.response .response-col_description').first().innerText()).resolves.toContain(
        t.appId,
      )
      await op.scrollIntoViewIfNeeded()
      await page.screenshot({ path: screenshotPath('docs-try-it-out.png') })
      await page.close()

      // offline: the page loaded nothing from elsewhere
      const foreign = requested.filter((u) => !u.startsWith(base) && !/^(data|blob|about):/.test(u))
      expect(foreign).toEqual([])
      expect(requested.some((u) => u.startsWith(`${base}/app`))).toBe(true)
    },
    SLOW,
  )
})

// The production bundle is relocatable: it holds no path of the checkout it was built in, and a
// copy of apps/server/dist beside a node_modules holding only the server's production
// dependencies starts in another folder, migrates its own database there and serves.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SERVER_DIR, startServer } from './server.ts'

const REPO_DIR = path.resolve(SERVER_DIR, '../..')
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-relocate-')))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('the production bundle', () => {
  it('holds no absolute path of the checkout', () => {
    const dist = path.join(SERVER_DIR, 'dist')
    const files = fs.readdirSync(dist).filter((f) => /\.(mjs|map)$/.test(f))
    expect(files).toContain('main.mjs')
    for (const f of files) expect(fs.readFileSync(path.join(dist, f), 'utf8').includes(REPO_DIR), f).toBe(false)
  })

  it('runs from a copy of dist/ plus the production node_modules, in another folder', async () => {
    const app = path.join(tmp, 'app')
    fs.cpSync(path.join(SERVER_DIR, 'dist'), path.join(app, 'dist'), { recursive: true })
    // node_modules: the server's production dependencies only (no workspace package, no dev tool:
    // the workspace is bundled). Linked, not copied, for speed: each link is a whole package, as
    // `pnpm deploy` would lay it out.
    const { dependencies } = JSON.parse(fs.readFileSync(path.join(SERVER_DIR, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    for (const [name, version] of Object.entries(dependencies)) {
      if (version.startsWith('workspace:') || name === 'tsx') continue // tsx runs `pnpm cli` from source
      const link = path.join(app, 'node_modules', name)
      fs.mkdirSync(path.dirname(link), { recursive: true })
      fs.symlinkSync(fs.realpathSync(path.join(SERVER_DIR, 'node_modules', name)), link)
    }
    // no DATABASE_URL: the default SQLite file is relative to where the server runs
    const server = await startServer({
      entry: path.join(app, 'dist/main.mjs'),
      cwd: app,
      env: { CAPGO_BOOTSTRAP_API_KEY: 'relocated-key-123' },
    })
    const res = await fetch(`${server.base}/app`, { headers: { authorization: 'relocated-key-123' } })
    expect(res.status).toBe(200)
    expect(fs.existsSync(path.join(app, 'data/capgo.db'))).toBe(true)
    expect(await server.stop('SIGTERM')).toBe(0)
  }, 120_000)
})

// @capgo-api/client as a project outside this workspace gets it: the packed tarball (pnpm pack, so
// publishConfig's exports to dist/), installed into a temporary folder next to its two runtime
// dependencies, type-checked under `module: NodeNext` strict with the consumer's own tsconfig, then
// compiled and run against the built server. Proves the published types stand alone: no server
// source, no allowImportingTsExtensions, no TS5097.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { isolatedDatabase } from '../../../apps/server/test/harness.ts'
import { startServer } from '../../../apps/server/test/process/server.ts'

const CLIENT_DIR = path.resolve(import.meta.dirname, '..')
const REPO = path.resolve(CLIENT_DIR, '../..')
const TSC = path.join(REPO, 'node_modules/typescript/bin/tsc')

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } })
    let out = ''
    child.stdout.on('data', (d) => (out += String(d)))
    child.stderr.on('data', (d) => (out += String(d)))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

let consumer: string

beforeAll(async () => {
  const build = await run(process.execPath, ['scripts/build.mjs'], CLIENT_DIR)
  expect(build.code, build.out).toBe(0)
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-client-consumer-'))
  const packed = await run('pnpm', ['pack', '--pack-destination', consumer], CLIENT_DIR)
  expect(packed.code, packed.out).toBe(0)
  const tgz = fs.readdirSync(consumer).find((f) => f.endsWith('.tgz'))!
  const pkgDir = path.join(consumer, 'node_modules/@capgo-api/client')
  fs.mkdirSync(pkgDir, { recursive: true })
  const untar = await run('tar', ['xzf', path.join(consumer, tgz), '-C', pkgDir, '--strip-components=1'], consumer)
  expect(untar.code, untar.out).toBe(0)
  // its dependencies (and the consumer's @types/node), as an install would put them
  for (const dep of ['@trpc/client', '@trpc/server', '@types/node']) {
    fs.mkdirSync(path.dirname(path.join(consumer, 'node_modules', dep)), { recursive: true })
    fs.symlinkSync(fs.realpathSync(path.join(CLIENT_DIR, 'node_modules', dep)), path.join(consumer, 'node_modules', dep))
  }
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'internal-app', private: true, type: 'module' }))
  fs.writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, outDir: 'out', types: ['node'] },
      include: ['main.ts'],
    }),
  )
  fs.writeFileSync(
    path.join(consumer, 'main.ts'),
    `import { createClient, errorCode, isCapgoError, type RouterInputs, type RouterOutputs } from '@capgo-api/client'

const [url, apiKey, appId] = process.argv.slice(2) as [string, string, string]
const capgo = createClient({ url, apiKey })

const input: RouterInputs['app']['create'] = { app_id: appId, name: 'Consumer app' }
const created: RouterOutputs['app']['create'] = await capgo.app.create.mutate(input)
const [apps, channel] = await Promise.all([
  capgo.app.list.query({ limit: 1000 }),
  capgo.channel.upsert.mutate({ app_id: appId, channel: 'production', public: true }),
])
const name: string = created.name
// the types are real, not any:
// @ts-expect-error name is a string
const wrong: number = created.name
export function neverCalled() {
  // @ts-expect-error app_id is required
  void capgo.app.get.query({})
  // @ts-expect-error no such procedure
  void capgo.app.nope
}

let code: string | undefined
try {
  await capgo.app.get.query({ app_id: 'com.does.not.exist' })
} catch (e) {
  code = isCapgoError(e) ? e.code : undefined
  if (errorCode(e) !== code) throw new Error('errorCode disagrees')
}
console.log(JSON.stringify({ name, apps: apps.map((a) => a.app_id), channel: channel.status, code, wrong: typeof wrong }))
`,
  )
}, 300_000)

it('the packed package holds only the built ESM and self-contained declarations', () => {
  const pkgDir = path.join(consumer, 'node_modules/@capgo-api/client')
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
  expect(manifest.exports).toEqual({ '.': { types: './dist/index.d.ts', import: './dist/index.js' } })
  expect(manifest.dependencies).toEqual({
    '@trpc/client': expect.stringMatching(/^\d+\.\d+\.\d+$/),
    '@trpc/server': expect.stringMatching(/^\d+\.\d+\.\d+$/),
  })
  expect(fs.readdirSync(path.join(pkgDir, 'dist')).sort()).toEqual(['index.d.ts', 'index.js', 'index.js.map'])
  const dts = fs.readFileSync(path.join(pkgDir, 'dist/index.d.ts'), 'utf8')
  const imports = [...dts.matchAll(/from '([^']+)'|import\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2])
  expect([...new Set(imports)].sort()).toEqual(['@trpc/client', '@trpc/server'])
  const js = fs.readFileSync(path.join(pkgDir, 'dist/index.js'), 'utf8')
  expect([...new Set([...js.matchAll(/from ["']([^"']+)["']/g)].map((m) => m[1]))].sort()).toEqual([
    '@trpc/client',
    '@trpc/server/observable',
  ])
})

it('type-checks under NodeNext strict outside the workspace, then runs against the built server', async () => {
  const tsc = await run(process.execPath, [TSC, '-p', '.'], consumer)
  expect(tsc.out).toBe('')
  expect(tsc.code).toBe(0)

  const key = `consumer-${crypto.randomBytes(12).toString('hex')}`
  const { url } = await isolatedDatabase()
  const server = await startServer({ env: { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: key, RATE_LIMIT_MAX: '0' } })
  const appId = `com.consumer.app${crypto.randomBytes(3).toString('hex')}`
  const res = await run(process.execPath, ['out/main.js', server.base, key, appId], consumer)
  expect(res.code, res.out).toBe(0)
  expect(JSON.parse(res.out)).toEqual({ name: 'Consumer app', apps: [appId], channel: 'ok', code: 'app_not_found', wrong: 'string' })
  await server.stop()
}, 180_000)

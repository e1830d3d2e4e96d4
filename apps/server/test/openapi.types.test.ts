// An external user's view: TypeScript types generated from /openapi.json by openapi-typescript,
// a small script written against them with plain fetch, type-checked by the compiler, then run.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listenUrl, openApiDocument, SLOW } from './docs-helpers.ts'
import { createTenant } from './harness.ts'

const require = createRequire(import.meta.url)

// What an external user writes: typed by the generated `paths`, nothing else from this project.
const SCRIPT = `
import type { components, paths } from './capgo'

type Channels = paths['/channel']['get']['responses'][200]['content']['application/json']
type ChannelQuery = NonNullable<paths['/channel']['get']['parameters']['query']>
type CreateApp = paths['/app']['post']['requestBody']['content']['application/json']
type App = paths['/app']['post']['responses'][200]['content']['application/json']
type Conflict = paths['/app']['post']['responses'][409]['content']['application/json']
export type ApiError = components['schemas']['Error']

async function call<T>(base: string, key: string, method: string, path: string, init: { query?: Record<string, string | number>; body?: unknown } = {}): Promise<T> {
  const qs = new URLSearchParams(Object.entries(init.query ?? {}).map(([k, v]) => [k, String(v)]))
  const res = await fetch(\`\${base}\${path}\${qs.size ? \`?\${qs}\` : ''}\`, {
    method,
    headers: { authorization: key, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  })
  const json: unknown = await res.json()
  if (!res.ok) throw Object.assign(new Error((json as ApiError).message), { body: json as ApiError })
  return json as T
}

export async function run(base: string, key: string, appId: string) {
  const create: CreateApp = { app_id: appId, name: 'From the generated types' }
  const app = await call<App>(base, key, 'POST', '/app', { body: create })
  const conflict = await call<App>(base, key, 'POST', '/app', { body: create }).catch((e: { body: Conflict }) => e.body)
  const query: ChannelQuery = { app_id: app.app_id, page: 0 }
  const channels = await call<Channels>(base, key, 'GET', '/channel', { query })
  const names: string[] = Array.isArray(channels) ? channels.map((c) => c.name) : [channels.name]
  return { created: app.created_at, conflict: 'error' in conflict ? conflict.error : undefined, names }
}
`

// Each line must be refused by the compiler: wrong field types, missing fields, undocumented responses.
const WRONG = [
  `const a: paths['/app']['post']['requestBody']['content']['application/json'] = { app_id: 'com.x.y' }`, // name missing
  `const b: paths['/channel']['post']['requestBody']['content']['application/json'] = { app_id: 'com.x.y', channel: 'p', public: 'yes' }`,
  `type C = paths['/app']['get']['responses'][409]`, // listing apps never conflicts
  `type D = paths['/app/{app_id}']['get']['parameters']['query']['nope']`,
  `const e: components['schemas']['Error'] = { status: 'OK', error: 'x', message: 'y' }`,
]

let dir = ''
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-openapi-ts-'))
  const ast = await openapiTS((await openApiDocument()) as never)
  fs.writeFileSync(path.join(dir, 'capgo.ts'), astToString(ast))
}, SLOW)
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Type-checks files in `dir` with the compiler API; returns the diagnostics as text, one a line. */
function typeCheck(files: string[]): string[] {
  const program = ts.createProgram(
    files.map((f) => path.join(dir, f)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      skipLibCheck: false,
    },
  )
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
    )
}

describe('types generated from /openapi.json (openapi-typescript)', () => {
  it('cover every operation with its parameters, bodies and error responses', () => {
    const source = fs.readFileSync(path.join(dir, 'capgo.ts'), 'utf8')
    expect(source).toContain('export interface paths')
    for (const p of ['"/app"', '"/app/{app_id}"', '"/channel"']) expect(source).toContain(p)
    expect(source).toContain('"application/json": components["schemas"]["Error"]')
    expect(source).toContain('409: {')
  })

  it(
    'type-check a script written against them, and refuse wrong uses',
    () => {
      fs.writeFileSync(path.join(dir, 'script.ts'), SCRIPT)
      expect(typeCheck(['capgo.ts', 'script.ts'])).toEqual([])
      const wrong = WRONG.map((line, i) => `import type { components, paths } from './capgo'\n${line}\nexport const x${i} = 0\n`)
      for (const [i, src] of wrong.entries()) fs.writeFileSync(path.join(dir, `wrong${i}.ts`), src)
      const errors = typeCheck(['capgo.ts', ...wrong.map((_, i) => `wrong${i}.ts`)])
      for (let i = 0; i < wrong.length; i++) {
        expect(
          errors.filter((e) => e.startsWith(`wrong${i}.ts:2 `)),
          `refused: ${WRONG[i]}`,
        ).not.toEqual([])
      }
      expect(
        errors.filter((e) => !/^wrong\d\.ts:2 /.test(e)),
        'no other errors',
      ).toEqual([])
    },
    SLOW,
  )

  it(
    'and that script works against the running server',
    async () => {
      const js = ts.transpileModule(SCRIPT, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText
      fs.writeFileSync(path.join(dir, 'script.mjs'), js)
      const { run } = (await import(pathToFileURL(path.join(dir, 'script.mjs')).href)) as {
        run: (b: string, k: string, a: string) => Promise<any>
      }
      const t = await createTenant()
      const appId = `com.gen${Date.now().toString(36)}.app`
      const out = await run(await listenUrl(), t.keys.write, appId)
      expect(out.created).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect(out.conflict).toBe('app_already_exists')
      expect(out.names).toEqual([])
    },
    SLOW,
  )
})

// What an external user does with the README's recipe: openapi-typescript's capgo.d.ts and an
// openapi-fetch client, in an ESM package compiled with `module: NodeNext` (relative imports need
// their .js), strict. The README's block is compiled as it is; the client below narrows on the
// error enum and runs against the server.
const CLIENT = `
import createClient from 'openapi-fetch'
import type { paths } from './capgo.js'

export async function run(baseUrl: string, key: string, appId: string) {
  const capgo = createClient<paths>({ baseUrl, headers: { authorization: key } })
  const created = await capgo.POST('/app', { body: { app_id: appId, name: 'From openapi-fetch' } })
  if (created.error) throw new Error(created.error.message)
  const again = await capgo.POST('/app', { body: { app_id: appId, name: 'Again' } })
  let conflict: 'app_already_exists' | undefined
  if (again.error) {
    // narrowing on the enum: a code POST /app cannot answer does not type-check
    if (again.error.error === 'app_already_exists') conflict = again.error.error
    // @ts-expect-error: POST /app never answers channel_not_found
    if (again.error.error === 'channel_not_found') conflict = undefined
  }
  const missing = await capgo.GET('/app/{app_id}', { params: { path: { app_id: 'com.nowhere.app' } } })
  const notFound: 'app_not_found' | 'invalid_app_id' | undefined = missing.error?.status === 'KO' && missing.error.error === 'app_not_found' ? missing.error.error : undefined
  const channels = await capgo.GET('/channel', { params: { query: { app_id: appId } } })
  const names = channels.data ? (Array.isArray(channels.data) ? channels.data : [channels.data]).map((c) => c.name) : undefined
  return { created: created.data.created_at, conflict, notFound, names }
}
`

describe('an openapi-fetch client on the generated types, under module NodeNext', () => {
  const WORKSPACE = path.resolve(import.meta.dirname, '../../..')
  let pkg = ''
  beforeAll(async () => {
    pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-openapi-fetch-'))
    const readme = fs.readFileSync(path.join(WORKSPACE, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('### Types for external TypeScript users'))
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    if (!block?.includes('openapi-fetch')) throw new Error('README: no openapi-fetch example under "Types for external TypeScript users"')
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    fs.writeFileSync(
      path.join(pkg, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [path.join(WORKSPACE, 'node_modules/@types')],
        },
        files: ['capgo.d.ts', 'readme.ts', 'client.ts'],
      }),
    )
    // openapi-fetch as `npm install openapi-fetch` would put it (the workspace's copy)
    fs.mkdirSync(path.join(pkg, 'node_modules'))
    fs.symlinkSync(
      fs.realpathSync(path.join(import.meta.dirname, '../node_modules/openapi-fetch')),
      path.join(pkg, 'node_modules/openapi-fetch'),
    )
    fs.writeFileSync(path.join(pkg, 'capgo.d.ts'), astToString(await openapiTS((await openApiDocument()) as never)))
    fs.writeFileSync(path.join(pkg, 'readme.ts'), `${block}\nexport {}\n`)
    fs.writeFileSync(path.join(pkg, 'client.ts'), CLIENT)
  }, SLOW)
  afterAll(() => fs.rmSync(pkg, { recursive: true, force: true }))

  it(
    "type-checks the README's example and a client narrowing on the error codes (tsc -p, strict)",
    () => {
      const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin/tsc')
      const out = spawnSync(process.execPath, [tsc, '-p', pkg, '--pretty', 'false'], { encoding: 'utf8' })
      expect(`${out.stdout}${out.stderr}`).toBe('')
      expect(out.status).toBe(0)
    },
    SLOW,
  )

  it(
    'and the client works against the running server',
    async () => {
      fs.writeFileSync(
        path.join(pkg, 'client.mjs'),
        ts.transpileModule(CLIENT, { compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022 } }).outputText,
      )
      const { run } = (await import(pathToFileURL(path.join(pkg, 'client.mjs')).href)) as {
        run: (b: string, k: string, a: string) => Promise<any>
      }
      const t = await createTenant()
      const appId = `com.fetch${Date.now().toString(36)}.app`
      const out = await run(await listenUrl(), t.keys.write, appId)
      expect(out.created).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect(out.conflict).toBe('app_already_exists')
      expect(out.notFound).toBe('app_not_found')
      expect(out.names).toEqual([])
    },
    SLOW,
  )
})

// An external user's view: TypeScript types generated from /openapi.json by openapi-typescript,
// a small script written against them with plain fetch, type-checked by the compiler, then run.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listenUrl, openApiDocument, SLOW } from './docs-helpers.ts'
import { createTenant } from './harness.ts'

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

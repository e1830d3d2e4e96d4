// Helpers of the documentation tests (/openapi.json, /docs, the client and the example app).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getApp, rest } from './harness.ts'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export interface Operation {
  method: string
  path: string
  op: any
}

/** /openapi.json as served. */
export async function openApiDocument(): Promise<any> {
  const res = await rest('GET', '/openapi.json')
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`)
  return res.body
}

export const operationsOf = (doc: any): Operation[] =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, item]) =>
    Object.entries(item)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([method, op]) => ({ method: method.toUpperCase(), path: p, op })),
  )

/** Resolves a local `$ref` ('#/components/schemas/X') of the document. */
export function deref(doc: any, schema: any): any {
  let cur = schema
  for (let i = 0; cur?.$ref && i < 10; i++)
    cur = (cur.$ref as string)
      .slice(2)
      .split('/')
      .reduce((o: any, k) => o?.[k], doc)
  return cur
}

/** The server of this test file listening on a free port; closed with the file's app. */
let listening: Promise<string> | undefined
export function listenUrl(): Promise<string> {
  listening ??= (async () => {
    const { app } = await getApp()
    return app.listen({ port: 0, host: '127.0.0.1' })
  })()
  return listening
}

/** How the browser tests launch Debian's Chromium (or CHROMIUM_PATH); throws when it is not there. */
export function chromiumLaunch() {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!fs.existsSync(executablePath))
    throw new Error(`Chromium not found at ${executablePath}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`)
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ]
  return { executablePath, args }
}

/** Where the browser tests write their screenshots (git-ignored), to be looked at. */
export const OUTPUT_DIR = path.join(REPO_ROOT, 'apps/server/test/output')

export function screenshotPath(name: string) {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true })
  return path.join(OUTPUT_DIR, name)
}

/**
 * The codes an error response of an operation documents: the enum its schema narrows `error` to
 * (`allOf: [Error, {properties: {error: {enum}}}]`). [] when the operation has no response of that status.
 */
export function documentedCodes(response: any): string[] {
  const parts: any[] = response?.content?.['application/json']?.schema?.allOf ?? []
  return parts.flatMap((p) => p?.properties?.error?.enum ?? [])
}

/** Timeout of the tests that compile, spawn a process or drive a browser (the machine may be busy). */
export const SLOW = 180_000

// The README's walk, run as a reader would: the quick start's commands, then every `sh` block of
// "REST API" in order, in bash with curl, against the built server. Every request must succeed
// (2xx): the order (bundles before the channels that use them, members PUT before DELETE) and
// the placeholders (real values, or variables set by earlier commands) are what make it run.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../docs-helpers.ts'
import { isolatedDatabase } from '../harness.ts'
import { startServer } from './server.ts'

/** Marks a block the walk cannot run (it needs another user's key). */
const NOT_IN_WALK = '<!-- not in the walk: '

/** The `sh` blocks of the README between two headings, but those marked NOT_IN_WALK. */
function shBlocks(readme: string, from: string, to: string): string[] {
  const start = readme.indexOf(from)
  const end = readme.indexOf(to, start)
  expect(start, from).toBeGreaterThanOrEqual(0)
  expect(end, to).toBeGreaterThan(start)
  return [...readme.slice(start, end).matchAll(/(<!-- .*-->\n)?```sh\n([\s\S]*?)```/g)]
    .filter((m) => !m[1]?.startsWith(NOT_IN_WALK))
    .map((m) => m[2]!)
}

// curl, recording each answer's status and body; the body still goes to stdout (pipes, > file)
const CURL_RECORDER = `
curl() {
  local out code
  out=$(command curl -sS -w '\\n%{http_code}' "$@")
  code=\${out##*$'\\n'}
  out=\${out%$'\\n'*}
  printf '%s\\t%s\\t%s\\n' "$code" "$*" "\${out//$'\\n'/ }" >> "$WALK_LOG"
  printf '%s' "$out"
}
`

describe('the README walk', () => {
  it('runs top to bottom: every request answers 2xx', async () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')
    const quick = shBlocks(readme, '## Quick start', '## Configuration')
    const key = /CAPGO_BOOTSTRAP_API_KEY=(\S+) pnpm start/.exec(quick[0]!)?.[1]
    expect(key).toBeTruthy()
    const walk = [quick[1]!, ...shBlocks(readme, '## REST API', '### Types for external TypeScript users')]
    expect(walk.length).toBeGreaterThan(8)

    const { url } = await isolatedDatabase()
    const server = await startServer({ env: { DATABASE_URL: url, CAPGO_BOOTSTRAP_API_KEY: key! } })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-readme-'))
    const log = path.join(dir, 'walk.log')
    const script = ['set -eo pipefail', CURL_RECORDER, ...walk].join('\n').replaceAll('localhost:3000', `127.0.0.1:${server.port}`)
    fs.writeFileSync(path.join(dir, 'walk.sh'), script)
    const run = await promisify(execFile)('bash', ['walk.sh'], {
      cwd: dir,
      env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: dir, WALK_LOG: log },
      timeout: 120_000,
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the walk failed: ${e.message}\n${e.stderr}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`)
    })
    expect(run.stderr).toBe('')

    const calls = fs
      .readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => {
        const [status, args, body] = l.split('\t')
        return { status: Number(status), args: args!, body: body! }
      })
    const failed = calls.filter((c) => c.status < 200 || c.status >= 300)
    expect(failed, failed.map((c) => `${c.status} ${c.args} ${c.body}`).join('\n')).toEqual([])
    // every command of the walk ran (one recorded call per curl line)
    expect(calls.length).toBe(walk.join('\n').match(/(^|\$\()curl /gm)!.length)

    const find = (re: RegExp) => calls.find((c) => re.test(c.args))!
    // the device got the bundle its channel serves; its own channel choice held
    expect(JSON.parse(find(/\/updates$/).body)).toMatchObject({ version: '1.2.3', url: 'https://cdn.example.com/1.2.3.zip' })
    expect(JSON.parse(find(/-X PUT .*\/channel_self$/).body)).toMatchObject({ channel: 'beta' })
    // the chart is an SVG; the success bodies are the ones the README names
    expect(fs.readFileSync(path.join(dir, 'mau.svg'), 'utf8')).toMatch(/^(<\?xml[^>]*>\n)?<svg /)
    expect(JSON.parse(find(/-d \{"name":"Acme"\}/).body)).toMatchObject({ status: 'Organization created' })
    expect(JSON.parse(find(/-X DELETE .*organization\/members/).body)).toEqual({ status: 'OK' })
    expect(JSON.parse(find(/-X DELETE .*\/apikey\//).body)).toEqual({ success: true })
    expect(JSON.parse(find(/-X DELETE .*\/app\/com\.example\.app$/).body)).toEqual({ status: 'ok' })
    fs.rmSync(dir, { recursive: true, force: true })
    expect(await server.stop()).toBe(0)
  }, 120_000)
})

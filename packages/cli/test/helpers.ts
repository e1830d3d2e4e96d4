// Runs the built capgo-api CLI (packages/cli/dist, built by the run's global setup) as a user would:
// its own process, a clean environment, its own config folder, a working folder.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect } from 'vitest'
import yauzl from 'yauzl'

export const CLI_DIR = path.resolve(import.meta.dirname, '..')
export const CLI = path.join(CLI_DIR, 'dist/capgo-api.mjs')
export const REPO = path.resolve(CLI_DIR, '../..')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

export interface User {
  /** the working folder (relative paths resolve here) */
  dir: string
  home: string
  /** runs `capgo-api <args>` as this user; `env` adds to a clean environment */
  cli(args: string[], env?: Record<string, string>): Promise<Run>
  /** runs any program as this user */
  run(cmd: string, args: string[], opts?: { env?: Record<string, string>; cwd?: string }): Promise<Run>
}

export function spawnRun(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += String(d)))
    child.stderr.on('data', (d) => (stderr += String(d)))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A user with an empty home and config folder under a fresh temporary folder. */
export function newUser(): User {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-cli-'))
  const home = path.join(root, 'home')
  const dir = path.join(root, 'work')
  fs.mkdirSync(home)
  fs.mkdirSync(dir)
  const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') })
  const run: User['run'] = (cmd, args, opts = {}) => spawnRun(cmd, args, opts.cwd ?? dir, { ...baseEnv(), ...opts.env })
  return { dir, home, run, cli: (args, env = {}) => run(process.execPath, [CLI, ...args], { env }) }
}

/** A web build: index.html and a few files in subfolders (names chosen to test the sort order). */
export function writeWebBuild(dir: string, files: Record<string, string> = {}): Record<string, string> {
  const all: Record<string, string> = {
    'index.html': '<!doctype html><title>app</title><script src="assets/app.js"></script>',
    'assets/app.js': `console.log(${JSON.stringify(crypto.randomBytes(8).toString('hex'))})`,
    'assets/b/deep.css': 'body{margin:0}',
    'Zeta.txt': 'upper case sorts first in byte order',
    ...files,
  }
  for (const [name, content] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), content)
  }
  return all
}

export const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')

/** The entries of a zip, in stored order, with their contents. */
export function readZip(bytes: Buffer): Promise<{ name: string; content: string; mtime: Date }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err)
      const out: { name: string; content: string; mtime: Date }[] = []
      zip.on('entry', (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2)
          const chunks: Buffer[] = []
          s.on('data', (c: Buffer) => chunks.push(c))
          s.on('end', () => {
            out.push({ name: e.fileName, content: Buffer.concat(chunks).toString(), mtime: e.getLastModDate() })
            zip.readEntry()
          })
        })
      })
      zip.on('end', () => resolve(out))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

/** The one line a failed command prints on stderr. */
export function errorLine(r: Run): string {
  return r.stderr.trimEnd()
}

/** A run that failed: exit 1 and the one line `error: <code>: <message>` on stderr. */
export function expectFailure(r: Run, code: string, message = /[^\n]+/): void {
  expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^error: ${code}: ${message.source}\n$`))])
}

/** `capgo-api bundle upload [dir] --app <appId> --version <version> …more`, as this user. */
export const upload = (u: User, dir: string | undefined, appId: string, version: string, ...more: string[]) =>
  u.cli(['bundle', 'upload', ...(dir === undefined ? [] : [dir]), '--app', appId, '--version', version, ...more])

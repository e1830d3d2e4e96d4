// Where the server and the API key come from: flags, then the environment (CAPGO_API_URL /
// CAPGO_API_KEY, what CI sets), then the file `capgo-api login` writes in the user's config folder
// ($XDG_CONFIG_HOME or ~/.config), readable by its owner only (mode 0600). The environment comes
// from env.ts.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type CliEnv, readCliEnv } from './env.ts'
import { CliError } from './errors.ts'

export interface Connection {
  server: string
  apikey: string
}

export interface ConnectionFlags {
  server?: string
  apikey?: string
}

export function configFile(env: CliEnv = readCliEnv()): string {
  const xdg = env.XDG_CONFIG_HOME
  // the XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config')
  return path.join(base, 'capgo-api', 'config.json')
}

export function readConfig(file = configFile()): Partial<Connection> {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return {}
  }
  try {
    const c = JSON.parse(text) as Partial<Connection>
    return { server: typeof c.server === 'string' ? c.server : undefined, apikey: typeof c.apikey === 'string' ? c.apikey : undefined }
  } catch {
    throw new CliError('invalid_config', `${file} is not valid JSON: run capgo-api login again.`)
  }
}

export function writeConfig(c: Connection, file = configFile()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  // write to a private temporary file, then rename: the key is never readable by others, not even briefly
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 })
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, file)
}

/** A server root URL: http(s), no trailing slash. */
export function normalizeServer(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new CliError('invalid_url', `--server must be an http(s) URL such as https://updates.example.com (got ${JSON.stringify(url)}).`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CliError('invalid_url', `--server must be an http(s) URL such as https://updates.example.com (got ${JSON.stringify(url)}).`)
  return u.toString().replace(/\/+$/, '')
}

/** flags > environment > stored config. */
export function resolveConnection(flags: ConnectionFlags, env: CliEnv = readCliEnv()): Connection {
  const stored = readConfig(configFile(env))
  const server = flags.server || env.CAPGO_API_URL || stored.server
  const apikey = flags.apikey || env.CAPGO_API_KEY || stored.apikey
  if (!server) throw new CliError('no_server', 'No server given: pass --server <url>, set CAPGO_API_URL, or run capgo-api login.')
  if (!apikey) throw new CliError('no_key_provided', 'No API key given: pass --apikey <key>, set CAPGO_API_KEY, or run capgo-api login.')
  return { server: normalizeServer(server), apikey }
}

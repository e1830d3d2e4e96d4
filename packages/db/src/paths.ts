// How the server and every tool (db:migrate, db:seed, the operator CLI) read DATABASE_URL and
// STORAGE_URL: one rule, whichever folder the command runs from. A relative `file:` path
// is relative to the directory the user ran the command from. pnpm runs a script in its
// package's folder and passes the user's folder as INIT_CWD; plain `node` runs where it is.
import path from 'node:path'

export const DEFAULT_DATABASE_URL = 'file:./data/capgo.db'
/** Where hosted bundles are stored by default: a folder beside the database. */
export const DEFAULT_STORAGE_URL = 'file:./data/bundles'

/** The environment variables the rule reads (the caller passes its environment). */
export interface PathEnv {
  DATABASE_URL?: string
  STORAGE_URL?: string
  INIT_CWD?: string
  [name: string]: string | undefined
}

/** The directory the user ran the command from. */
export function commandDir(env: PathEnv, cwd: string = process.cwd()): string {
  return env.INIT_CWD || cwd
}

/** A relative `file:` URL made absolute against `dir`; any other URL unchanged. */
export function absoluteFileUrl(url: string, dir: string): string {
  const m = /^file:(?!\/)(.*)$/.exec(url)
  return m ? `file:${path.resolve(dir, m[1]!)}` : url
}

/** DATABASE_URL (empty or unset: the default SQLite file) with a relative path made absolute. */
export function resolveDatabaseUrl(env: PathEnv, cwd: string = process.cwd()): string {
  return absoluteFileUrl(env.DATABASE_URL || DEFAULT_DATABASE_URL, commandDir(env, cwd))
}

/** STORAGE_URL (empty or unset: the default folder) with a relative `file:` path made absolute. */
export function resolveStorageUrl(env: PathEnv, cwd: string = process.cwd()): string {
  return absoluteFileUrl(env.STORAGE_URL || DEFAULT_STORAGE_URL, commandDir(env, cwd))
}

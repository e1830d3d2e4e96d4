// The operator's tool, run against DATABASE_URL (default as the server's): `pnpm cli <command>`.
// For when no working admin key is left: create a user with a key in an organization, list
// organizations and keys, revoke a key. Keys are printed once, as the API does.

import { pathToFileURL } from 'node:url'
import { ApiError, KEY_MODES, type KeyMode, newApiKey, putMember, ROLES, type Role } from '@capgo-api/api'
import { createDb, type Db } from '@capgo-api/db'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { EnvError, parseDatabaseEnv } from './env.ts'

class CliError extends Error {}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/

function email(v: string) {
  if (!EMAIL_RE.test(v.trim())) throw new InvalidArgumentError('not an email address.')
  return v.trim().toLowerCase()
}

function positiveInt(v: string) {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('not a key id (a positive whole number).')
  return Number(v)
}

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const { DATABASE_URL } = parseDatabaseEnv()
  const { db } = await createDb(DATABASE_URL)
  try {
    return await fn(db)
  } catch (e) {
    if ((e as { code?: string }).code === 'P2021')
      throw new CliError('the database has no schema yet: start the server once or run `pnpm db:migrate`')
    // SQLite's write lock held past the busy timeout (the adapter reports it as a socket timeout)
    if (/SocketTimeout|SQLITE_BUSY|database is locked|P1008/.test(`${(e as { code?: string }).code ?? ''} ${(e as Error).message}`)) {
      throw new CliError('the database stayed locked by another process for 10 s: run the command again')
    }
    throw e
  } finally {
    await db.$disconnect()
  }
}

/** An organization by id, else by exact name (which must then be unique). */
async function findOrg(db: Db, idOrName: string) {
  const byId = await db.organization.findUnique({ where: { id: idOrName }, select: { id: true, name: true } })
  if (byId) return byId
  const byName = await db.organization.findMany({ where: { name: idOrName }, select: { id: true, name: true } })
  if (byName.length > 1) throw new CliError(`${byName.length} organizations are named "${idOrName}": pass the id (see org:list)`)
  if (!byName[0]) throw new CliError(`no organization with id or name "${idOrName}" (see org:list)`)
  return byName[0]
}

/** Where the CLI writes: the console, or a test's buffers. */
export interface CliOutput {
  out: (text: string) => void
  err: (text: string) => void
}

const consoleOutput: CliOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }

export function buildCli(io: CliOutput = consoleOutput) {
  const print = (json: boolean, value: unknown, text: string) => io.out(`${json ? JSON.stringify(value, null, 2) : text}\n`)
  const program = new Command('pnpm cli')
    .description(
      "The operator tool of a capgo-api server: works on the server's database (DATABASE_URL, default file:./data/capgo.db) " +
        'to manage users, organizations and API keys. To ship bundles or manage apps, channels and devices over the API, ' +
        'use the client `capgo-api` (pnpm capgo-api --help) instead.',
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })

  program
    .command('user:create')
    .description('Create (or reuse) a user, make them a member of an organization with a role, and print a new API key once.')
    .requiredOption('--email <email>', "the user's email", email)
    .requiredOption('--org <id|name>', 'the organization, by id or exact name')
    .addOption(new Option('--role <role>', 'role in the organization').choices(ROLES).default('super_admin'))
    .addOption(new Option('--mode <mode>', 'mode of the new key').choices(KEY_MODES).default('all'))
    .option('--name <name>', 'label of the new key', 'cli')
    .option('--change-role', 'when the user is already a member, change their role to --role (never done without it)')
    .option('--json', 'print JSON')
    .action(async (o: { email: string; org: string; role: Role; mode: KeyMode; name: string; changeRole?: boolean; json?: boolean }) => {
      const result = await withDb(async (db) => {
        const org = await findOrg(db, o.org)
        const key = newApiKey()
        return db.$transaction(async (tx) => {
          const user = await tx.user.upsert({ where: { email: o.email }, create: { email: o.email }, update: {}, select: { id: true } })
          const current = await tx.orgMember.findUnique({
            where: { org_id_user_id: { org_id: org.id, user_id: user.id } },
            select: { role: true },
          })
          // a member's role changes only when asked: reusing a user for a new key must never demote them
          if (current && !current.role.startsWith('invite_') && current.role !== o.role && !o.changeRole) {
            throw new CliError(
              `${o.email} is already ${current.role} of "${org.name}": pass --role ${current.role} to keep it, or --change-role to make them ${o.role}`,
            )
          }
          // the member service's rules (organization lock, last-super_admin guard); an invitation is accepted
          await putMember(tx, org.id, user.id, o.role).catch((e: unknown) => {
            if (e instanceof ApiError && e.error === 'last_super_admin') {
              throw new CliError(`${o.email} is the last super_admin of "${org.name}": give the role to someone else first`)
            }
            throw e
          })
          const row = await tx.apiKey.create({
            data: { key_hash: key.key_hash, key_hint: key.key_hint, mode: o.mode, name: o.name, user_id: user.id },
            select: { id: true },
          })
          return {
            user_id: user.id,
            email: o.email,
            org_id: org.id,
            org_name: org.name,
            role: o.role,
            key_id: row.id,
            mode: o.mode,
            key: key.plain,
          }
        })
      })
      print(
        !!o.json,
        result,
        `user ${result.email} (${result.user_id}) is ${result.role} of "${result.org_name}" (${result.org_id})\n` +
          `API key #${result.key_id}, mode ${result.mode} — shown once, store it now:\n${result.key}`,
      )
    })

  program
    .command('org:list')
    .description('List every organization with its member and app counts.')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const orgs = await withDb((db) =>
        db.organization.findMany({
          orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
          select: { id: true, name: true, management_email: true, created_at: true, _count: { select: { members: true, apps: true } } },
        }),
      )
      const rows = orgs.map((x) => ({
        id: x.id,
        name: x.name,
        management_email: x.management_email,
        created_at: x.created_at.toISOString(),
        members: x._count.members,
        apps: x._count.apps,
      }))
      print(
        !!o.json,
        rows,
        rows.length ? rows.map((r) => `${r.id}  ${r.name}  (${r.members} members, ${r.apps} apps)`).join('\n') : 'no organization',
      )
    })

  program
    .command('key:list')
    .description('List the API keys of a user (masked).')
    .requiredOption('--email <email>', "the user's email", email)
    .option('--json', 'print JSON')
    .action(async (o: { email: string; json?: boolean }) => {
      const keys = await withDb(async (db) => {
        const user = await db.user.findUnique({ where: { email: o.email }, select: { id: true } })
        if (!user) throw new CliError(`no user with email ${o.email}`)
        return db.apiKey.findMany({ where: { user_id: user.id }, orderBy: { id: 'asc' } })
      })
      const rows = keys.map((k) => ({
        id: k.id,
        name: k.name,
        mode: k.mode,
        key: k.key_hint,
        limited_to_orgs: JSON.parse(k.limited_to_orgs) as string[],
        limited_to_apps: JSON.parse(k.limited_to_apps) as string[],
        expires_at: k.expires_at?.toISOString() ?? null,
        created_at: k.created_at.toISOString(),
      }))
      print(
        !!o.json,
        rows,
        rows.length
          ? rows.map((r) => `#${r.id}  ${r.mode}  ${r.key}  ${r.name}${r.expires_at ? `  expires ${r.expires_at}` : ''}`).join('\n')
          : 'no key',
      )
    })

  program
    .command('key:revoke')
    .description('Revoke (delete) an API key by id, at once.')
    .argument('<id>', 'the key id (see key:list)', positiveInt)
    .action(async (id: number) => {
      const { count } = await withDb((db) => db.apiKey.deleteMany({ where: { id } }))
      if (!count) throw new CliError(`no API key #${id}`)
      io.out(`API key #${id} revoked\n`)
    })

  return program
}

/** Runs one command line (`argv` as process.argv) and answers the exit code: 0 done, 1 failed. */
export async function main(argv: string[], io: CliOutput = consoleOutput): Promise<number> {
  const program = buildCli(io)
  // exitOverride makes commander throw instead of exiting; its subcommands inherit the setting
  try {
    await program.parseAsync(argv)
    return 0
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1 // help and version exit 0; the message is already written
    if (e instanceof CliError || e instanceof EnvError) {
      io.err(`error: ${e.message}\n`)
      return 1
    }
    throw e
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv)
}

// Channels: upsert (with the one-default-per-platform rule), list or get, delete. Changes drop
// the app's /updates snapshot, done or failed.

import type { Prisma } from '@capgo-api/db'
import type { z } from 'zod'
import { requireApp } from '../../access.ts'
import type { AuthedContext } from '../../context.ts'
import { ApiError } from '../../errors.ts'
import { retryOnUniqueViolation } from '../../infra/tx.ts'
import { iso, ok, pageArgs } from '../common.ts'
import { type channelDeleteInput, type channelGetInput, type channelSetInput, DISABLE_AUTO_UPDATE } from './schema.ts'

/** A channel as the API shows it (the /updates snapshot reads fewer columns: snapshotChannelSelect). */
export const channelSelect = {
  id: true,
  created_at: true,
  updated_at: true,
  name: true,
  app_id: true,
  created_by: true,
  public: true,
  disableAutoUpdateUnderNative: true,
  disableAutoUpdate: true,
  ios: true,
  android: true,
  electron: true,
  builtin: true,
  allow_device_self_set: true,
  allow_emulator: true,
  allow_dev: true,
  allow_prod: true,
  allow_device: true,
  version: { select: { id: true, name: true } },
} satisfies Prisma.ChannelSelect

type ChannelRow = Prisma.ChannelGetPayload<{ select: typeof channelSelect }>

const toDisable = (v: string) =>
  (DISABLE_AUTO_UPDATE as readonly string[]).includes(v) ? (v as (typeof DISABLE_AUTO_UPDATE)[number]) : 'major'

/** "builtin" is shown as a pseudo bundle (id 0: no row) so the Channel shape stays `{id, name} | null`. */
export const BUILTIN_VERSION = { id: 0, name: 'builtin' } as const

export const toChannel = ({ builtin, ...c }: ChannelRow) => ({
  ...c,
  version: builtin ? { ...BUILTIN_VERSION } : c.version,
  created_at: iso(c.created_at),
  updated_at: iso(c.updated_at),
  disableAutoUpdate: toDisable(c.disableAutoUpdate),
})

export async function upsertChannel(ctx: AuthedContext, input: z.infer<typeof channelSetInput>) {
  const { db, snapshots } = ctx.services
  const { app_id, channel: name, version, ...flags } = input
  await snapshots.invalidateAfter(app_id, async () => {
    await requireApp(ctx, app_id, 'write')
    let version_id: number | null | undefined
    let builtin: boolean | undefined
    if (version === 'builtin') {
      version_id = null
      builtin = true
    } else if (version !== undefined) {
      const bundle = await db.bundle.findFirst({ where: { app_id, name: version, deleted: false }, select: { id: true, status: true } })
      if (!bundle) throw new ApiError('version_not_found')
      if (bundle.status !== 'ready') throw new ApiError('bundle_not_ready') // hosted, not finalized yet
      version_id = bundle.id
      builtin = false
    }
    const data = { ...flags, ...(version_id !== undefined ? { version_id, builtin } : {}) }
    await retryOnUniqueViolation(() =>
      ctx.services.appWrites.transaction(app_id, async (tx) => {
        const ch = await tx.channel.upsert({
          where: { app_id_name: { app_id, name } },
          create: { app_id, name, created_by: ctx.principal.userId, ...data },
          update: data,
          select: { id: true, public: true, ios: true, android: true, electron: true },
        })
        if (ch.public) {
          const platforms: Prisma.ChannelWhereInput[] = []
          if (ch.ios) platforms.push({ ios: true })
          if (ch.android) platforms.push({ android: true })
          if (ch.electron) platforms.push({ electron: true })
          if (platforms.length) {
            await tx.channel.updateMany({ where: { app_id, public: true, id: { not: ch.id }, OR: platforms }, data: { public: false } })
          }
        }
      }),
    )
  })
  return ok
}

export async function getChannels(ctx: AuthedContext, input: z.infer<typeof channelGetInput>) {
  const { db } = ctx.services
  await requireApp(ctx, input.app_id, 'read')
  if (input.channel !== undefined) {
    const ch = await db.channel.findUnique({ where: { app_id_name: { app_id: input.app_id, name: input.channel } }, select: channelSelect })
    if (!ch) throw new ApiError('channel_not_found')
    return toChannel(ch)
  }
  const rows = await db.channel.findMany({
    where: { app_id: input.app_id },
    orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
    select: channelSelect,
    ...pageArgs(input.page, input.limit),
  })
  return rows.map(toChannel)
}

export async function deleteChannel(ctx: AuthedContext, input: z.infer<typeof channelDeleteInput>) {
  await ctx.services.snapshots.invalidateAfter(input.app_id, async () => {
    await requireApp(ctx, input.app_id, 'admin')
    const { count } = await ctx.services.db.channel.deleteMany({ where: { app_id: input.app_id, name: input.channel } })
    if (!count) throw new ApiError('channel_not_found')
  })
  return ok
}

import { z } from 'zod'
import { readProcedure, router, writeProcedure } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import { deviceDeleteInput, deviceGetInput, deviceListOutput, deviceOutput, deviceSetInput } from './schema.ts'
import { deleteOverride, getDevices, setOverride } from './service.ts'

const tags = ['device']

export const deviceRouter = router({
  setOverride: writeProcedure
    .meta({
      errors: [
        'invalid_app_id',
        'invalid_characters',
        'missing_channel_or_version',
        'app_not_found',
        'insufficient_role',
        'version_not_found',
        'bundle_not_ready',
        'channel_not_found',
      ],
      openapi: {
        method: 'POST',
        path: '/device',
        tags,
        summary: "Set a device's channel or bundle override",
        description:
          '`version_id` is a bundle **name** of the app, `channel` a channel name; give at least one. The device need not have checked in yet. A bundle override wins over any channel. Needs role write.',
      },
    })
    .input(deviceSetInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => setOverride(ctx, input)),

  get: readProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'invalid_cursor', 'app_not_found', 'insufficient_role', 'device_not_found'],
      openapi: {
        method: 'GET',
        path: '/device',
        tags,
        summary: 'List devices or get one',
        description:
          'With `device_id`: that device. Without: `{data, nextCursor?, hasMore}`, newest `updated_at` first then `device_id`, `limit` a page (default 50, 1–1000). Pass `nextCursor` back as `cursor` for the next page; every page costs the same (index seek).',
      },
    })
    .input(deviceGetInput)
    .output(z.union([deviceListOutput, deviceOutput])) // list first: a page is the common answer, and zod tries in order
    .query(({ ctx, input }) => getDevices(ctx, input)),

  deleteOverride: writeProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_characters', 'app_not_found', 'insufficient_role', 'device_not_found'],
      openapi: {
        method: 'DELETE',
        path: '/device',
        tags,
        summary: "Remove a device's overrides",
        description:
          "Removes the device's channel and bundle overrides; the device itself stays. Fields may come as query parameters or as a JSON body. Needs role write.",
      },
    })
    .input(deviceDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteOverride(ctx, input)),
})

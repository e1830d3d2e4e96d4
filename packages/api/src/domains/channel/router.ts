import { z } from 'zod'
import { readProcedure, router, writeProcedure } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import { channelDeleteInput, channelGetInput, channelOutput, channelSetInput } from './schema.ts'
import { deleteChannel, getChannels, upsertChannel } from './service.ts'

const tags = ['channel']

export const channelRouter = router({
  upsert: writeProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'insufficient_role', 'version_not_found', 'bundle_not_ready'],
      openapi: {
        method: 'POST',
        path: '/channel',
        tags,
        summary: 'Create or update a channel',
        description:
          'Upsert on app + channel name. `version` is a bundle name of the app; left out, the channel keeps its version. `public: true` makes it the default channel of its platforms and demotes any other default of the same platform. Needs role write.',
      },
    })
    .input(channelSetInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => upsertChannel(ctx, input)),

  get: readProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'channel_not_found'],
      openapi: {
        method: 'GET',
        path: '/channel',
        tags,
        summary: 'List channels or get one',
        description: "Without `channel`: the app's channels, oldest first, 50 a page. With `channel`: that channel.",
      },
    })
    .input(channelGetInput)
    .output(z.union([channelOutput, z.array(channelOutput)]))
    .query(({ ctx, input }) => getChannels(ctx, input)),

  delete: writeProcedure
    .meta({
      errors: ['invalid_app_id', 'app_not_found', 'insufficient_role', 'channel_not_found'],
      openapi: {
        method: 'DELETE',
        path: '/channel',
        tags,
        summary: 'Delete a channel',
        description:
          'Removes the channel and the device overrides that pointed at it. Fields may come as query parameters or as a JSON body. Needs role admin.',
      },
    })
    .input(channelDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteChannel(ctx, input)),
})

// /channel_self: the channel a device chooses, reads, lists or drops itself.
import { z } from 'zod'
import { deviceInfo } from './device-info.ts'

export const channelSelfSetInput = deviceInfo.extend({
  channel: z.string().max(255).optional().meta({ description: 'Channel to join (missing or empty: `missing_channel`)', example: 'beta' }),
})

/** The `error` codes the device endpoints answer with HTTP 200 (the plugin reads `error` in a 200 body). */
export const CHANNEL_SELF_ERRORS = ['app_not_found', 'channel_not_found', 'channel_self_set_not_allowed', 'missing_channel'] as const
export type ChannelSelfErrorCode = (typeof CHANNEL_SELF_ERRORS)[number]

/** An HTTP 200 answer the plugin reads as an error (`error` present), with the codes one endpoint answers that way. */
const deviceErrorOf = <const C extends readonly [ChannelSelfErrorCode, ...ChannelSelfErrorCode[]]>(codes: C, id: string, message: string) =>
  z
    .object({
      error: z.enum(codes).meta({ description: 'Why the request was not served', example: codes.at(-1) }),
      message: z.string().meta({ example: message }),
      kind: z.literal('failed').optional().meta({ description: '`failed` for `app_not_found`' }),
    })
    .meta({ id })

/** POST /channel_self: a choice the device may not make. */
export const channelChoiceErrorOutput = deviceErrorOf(CHANNEL_SELF_ERRORS, 'ChannelChoiceError', 'No channel named "nightly".')
/** The other device endpoints: the app does not exist. */
export const deviceErrorOutput = deviceErrorOf(['app_not_found'], 'DeviceAppNotFound', 'App not found.')

export const channelSelfSetOutput = z.union([
  z
    .object({
      status: z.literal('ok'),
      unset: z
        .literal(true)
        .optional()
        .meta({ description: "true when the channel is the platform's public one: the plugin clears its local choice" }),
    })
    .meta({ id: 'ChannelSelfSet' }),
  channelChoiceErrorOutput,
])

export const channelSelfGetOutput = z.union([
  z
    .object({
      channel: z.string().meta({ example: 'beta' }),
      status: z.enum(['override', 'default']),
      allowSet: z.boolean().optional().meta({ description: "With an operator's override: whether its channel allows self-set" }),
    })
    .meta({ id: 'DeviceChannel' }),
  deviceErrorOutput,
])

/** The info object as query parameters (CapgoUpdater.java listChannels puts every field in the query). */
export const channelSelfListInput = deviceInfo.extend({
  is_emulator: z.stringbool().optional().meta({ description: 'Running on an emulator/simulator', example: 'false' }),
  is_prod: z.stringbool().optional().meta({ description: 'A production (release) build', example: 'true' }),
})

export const channelSelfListOutput = z.union([
  z.array(
    z
      .object({ id: z.number().int(), name: z.string(), public: z.boolean(), allow_self_set: z.boolean() })
      .meta({ id: 'SelfSettableChannel' }),
  ),
  deviceErrorOutput,
])

export const channelSelfDeleteOutput = z.union([z.object({ status: z.literal('ok') }), deviceErrorOutput])

/** The info object as query parameters or a JSON body (older plugins); its booleans are not needed here. */
export const channelSelfDeleteInput = deviceInfo.omit({ is_emulator: true, is_prod: true })

import { z } from 'zod'
import { appId, deviceId, intParam, isoDate } from '../common.ts'

export const PLATFORMS = ['ios', 'android', 'electron'] as const

export const deviceOutput = z
  .object({
    device_id: z.string(),
    app_id: z.string(),
    custom_id: z.string(),
    platform: z.enum(PLATFORMS),
    plugin_version: z.string(),
    os_version: z.string(),
    version_build: z.string(),
    version: z.number().int().optional().meta({ description: 'Id of the bundle the device runs, when known' }),
    version_name: z.string().nullable(),
    is_prod: z.boolean(),
    is_emulator: z.boolean(),
    default_channel: z.string().nullable().meta({
      description: 'The channel the device reported on its last check-in (`defaultChannel`: its config or its own choice)',
      example: 'beta',
    }),
    key_id: z.string().nullable().meta({ description: 'Id of the encryption public key the device reported (null: none)' }),
    created_at: isoDate,
    updated_at: isoDate,
    channel: z.string().optional().meta({ description: "Name of the device's channel override, when set" }),
  })
  .meta({ id: 'Device' })

export const deviceListOutput = z
  .object({
    data: z.array(deviceOutput),
    nextCursor: z
      .string()
      .optional()
      .meta({ description: 'Pass back as `cursor` to get the next page', example: '2026-01-01T00:00:00.000Z|6aa5ec5e' }),
    hasMore: z.boolean(),
  })
  .meta({ id: 'DeviceList' })

const name = (description: string, example: string) => z.string().trim().min(1).max(255).meta({ description, example })

export const deviceSetInput = z.object({
  app_id: appId,
  device_id: deviceId,
  // a bundle name is matched exactly (never trimmed), as on channels
  version_id: z.string().min(1).max(255).optional().meta({ description: 'Bundle name to force on this device', example: '1.2.3' }),
  channel: name('Channel name to force on this device', 'beta').optional(),
})

export const deviceGetInput = z.object({
  app_id: appId,
  device_id: deviceId.optional(),
  cursor: z.string().max(600).optional().meta({
    description: 'The `nextCursor` of the previous page (`<updated_at ISO>|<device_id>`)',
    example: '2026-01-01T00:00:00.000Z|6aa5ec5e',
  }),
  limit: intParam(1, 1000).optional().meta({ description: 'Devices per page, 1–1000 (default 50)', example: 50 }),
})

export const deviceDeleteInput = z.object({ app_id: appId, device_id: deviceId })

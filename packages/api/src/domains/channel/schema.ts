import { z } from 'zod'
import { appId, bool, isoDate, limit, page } from '../common.ts'

export const DISABLE_AUTO_UPDATE = ['major', 'minor', 'patch', 'version_number', 'none'] as const

export const channelOutput = z
  .object({
    id: z.number().int(),
    created_at: isoDate,
    updated_at: isoDate,
    name: z.string().meta({ example: 'production' }),
    app_id: z.string(),
    version: z
      .object({ id: z.number().int(), name: z.string().meta({ example: '1.2.3' }) })
      .nullable()
      .meta({ description: 'The bundle served; `{id: 0, name: "builtin"}` when the channel serves the bundle shipped in the binary' }),
    created_by: z.string().meta({ description: 'Id of the user who created it', example: '0c1f9a52-7d4e-4b8a-9f2e-3b6d5a1c8e47' }),
    public: z.boolean(),
    disableAutoUpdateUnderNative: z.boolean(),
    disableAutoUpdate: z.enum(DISABLE_AUTO_UPDATE),
    ios: z.boolean(),
    android: z.boolean(),
    electron: z.boolean(),
    allow_device_self_set: z.boolean(),
    allow_emulator: z.boolean(),
    allow_dev: z.boolean(),
    allow_prod: z.boolean(),
    allow_device: z.boolean(),
  })
  .meta({ id: 'Channel' })

const channelName = z.string().trim().min(1).max(255).meta({ description: 'Channel name', example: 'production' })

export const channelSetInput = z.object({
  app_id: appId,
  channel: channelName,
  version: z.string().min(1).max(255).optional().meta({
    description: 'Bundle name to serve on this channel, or `builtin` (devices go back to the bundle in their binary)',
    example: '1.2.3',
  }),
  public: bool().optional().meta({ description: "Make it the app's default channel for its platforms (default false)", example: true }),
  disableAutoUpdateUnderNative: bool()
    .optional()
    .meta({ description: 'Refuse bundles older than the native version (default true)', example: true }),
  disableAutoUpdate: z.enum(DISABLE_AUTO_UPDATE).optional().meta({
    description: 'Largest semver jump devices may take automatically: updates crossing it are blocked (default major)',
    example: 'major',
  }),
  ios: bool().optional().meta({ description: 'Serve iOS devices (default true)', example: true }),
  android: bool().optional().meta({ description: 'Serve Android devices (default true)', example: true }),
  electron: bool().optional().meta({ description: 'Serve Electron apps (default true)', example: true }),
  allow_device_self_set: bool()
    .optional()
    .meta({ description: 'Let devices pick this channel themselves (default false)', example: false }),
  allow_emulator: bool().optional().meta({ description: 'Serve emulators (default true)', example: true }),
  allow_dev: bool().optional().meta({ description: 'Serve development builds (default true)', example: true }),
  allow_prod: bool().optional().meta({ description: 'Serve production builds (default true)', example: true }),
  allow_device: bool().optional().meta({ description: 'Serve physical devices (default true)', example: true }),
})

export const channelGetInput = z.object({
  app_id: appId,
  channel: channelName.optional().meta({ description: 'Name of one channel to fetch; left out, the list', example: 'production' }),
  page,
  limit,
})

export const channelDeleteInput = z.object({ app_id: appId, channel: channelName })

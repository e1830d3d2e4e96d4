import { z } from 'zod'
import { appId, bool, isoDate, isWebUrl, limit, page, updatesSomething } from '../common.ts'

export const appOutput = z
  .object({
    app_id: z.string(),
    name: z.string().meta({ example: 'My app' }),
    icon_url: z.string(),
    owner_org: z.string(),
    created_at: isoDate,
    updated_at: isoDate,
    retention: z.number().int(),
    expose_metadata: z.boolean().meta({ description: "POST /updates answers carry the bundle's `link` and `comment`" }),
    manifest: z
      .boolean()
      .meta({ description: 'Partial updates: /updates lists the files of hosted bundles, so a device downloads only those it lacks' }),
  })
  .meta({ id: 'App' })

const name = z.string().trim().min(1).max(255).meta({ description: 'Display name of the app', example: 'My app' })
const iconUrl = z
  .string()
  .max(2048, 'invalid_url')
  .refine((s) => s === '' || isWebUrl(s), 'invalid_url')
  .meta({ description: 'URL of the app icon: http(s), no user:password part ("" for none)', example: 'https://example.com/icon.png' })

export const appListInput = z.object({ page, limit })
export const appIdInput = z.object({ app_id: appId })
export const appCreateInput = z.object({
  app_id: appId,
  name,
  owner_org: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: 'Organization id; optional when the key sees exactly one', example: '0b5f1c3e-7d1a-4c2b-9e8f-1a2b3c4d5e6f' }),
  icon_url: iconUrl.optional(),
})
export const appUpdateInput = z
  .object({
    app_id: appId,
    name: name.optional(),
    icon_url: iconUrl.optional(),
    retention: z
      .number()
      .int()
      .min(0)
      .max(315_360_000)
      .pipe(z.number())
      .optional()
      .meta({ description: 'Seconds of device history to keep', example: 2_592_000 }),
    expose_metadata: bool().optional().meta({
      description: "POST /updates answers carry the bundle's `link` and `comment` (plugin 8.35+ passes them to the app)",
      example: true,
    }),
    manifest: z
      .boolean()
      .optional()
      .meta({ description: 'Partial updates: /updates adds the per-file manifest of hosted bundles (see /bundle)', example: true }),
  })
  .refine(updatesSomething('app_id'), 'no_valid_fields_provided_for_update')

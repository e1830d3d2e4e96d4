import { z } from 'zod'
import { KEY_MODES } from '../../access.ts'
import { APP_ID_RE, intParam, isoDate, limit, page, updatesSomething } from '../common.ts'

export const apikeyOutput = z
  .object({
    id: z.number().int(),
    created_at: isoDate,
    updated_at: isoDate,
    key: z
      .string()
      .meta({ description: 'The plaintext key in the answer that created it; a masked hint elsewhere', example: 'cap_Xy…k3Qw' }),
    mode: z.enum(KEY_MODES),
    name: z.string().meta({ example: 'CI uploads' }),
    user_id: z.string().meta({ description: 'Id of the owner', example: '0c1f9a52-7d4e-4b8a-9f2e-3b6d5a1c8e47' }),
    limited_to_orgs: z.array(z.string()),
    limited_to_apps: z.array(z.string()),
    expires_at: isoDate.nullable(),
  })
  .meta({ id: 'ApiKey' })

/** A list of ids; a single string (one query parameter) counts as a list of one. */
const idList = (item: z.ZodType<string>) => z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item).max(100))

const orgIds = idList(z.string().trim().min(1).max(255)).meta({
  description: 'Organizations the key is limited to ([] = no limit)',
  example: ['0b9d3c3e-6f1a-4f57-9a57-3f1c2b1c9e11'],
})
const appIds = idList(z.string().max(255).regex(APP_ID_RE, 'invalid_app_id')).meta({
  description: 'Apps the key is limited to ([] = no limit)',
  example: ['com.example.app'],
})
const mode = z.enum(KEY_MODES).meta({ description: 'read < upload < write < all (no higher than the calling key)', example: 'read' })
const name = z.string().trim().max(255).meta({ description: 'A label for the key', example: 'CI upload key' })
const expiresAt = isoDate.meta({
  description: "When the key stops working (ISO-8601); no later than the calling key's expiry",
  example: '2027-01-01T00:00:00.000Z',
})

export const apikeyIdInput = z.object({ id: intParam(1, 2 ** 31 - 1).meta({ description: 'API key id', example: 1 }) })

export const apikeyListInput = z.object({ page, limit })

export const apikeyCreateInput = z.object({
  org_id: z.string().trim().min(1).max(255).optional().meta({
    description: 'Create the key for this organization: it is then limited to it',
    example: '0b9d3c3e-6f1a-4f57-9a57-3f1c2b1c9e11',
  }),
  mode,
  name: name.optional(),
  limited_to_orgs: orgIds.optional(),
  limited_to_apps: appIds.optional(),
  expires_at: expiresAt.optional(),
})

export const apikeyUpdateInput = z
  .object({
    id: apikeyIdInput.shape.id,
    name: name.optional(),
    mode: mode.optional(),
    limited_to_orgs: orgIds.optional(),
    limited_to_apps: appIds.optional(),
    expires_at: expiresAt
      .nullable()
      .optional()
      .meta({ description: 'New expiry; null removes it (only for a key that never expires itself)' }),
  })
  .refine(updatesSomething('id'), 'no_valid_fields_provided_for_update')

export const apikeyCreated = z.object({ apikey: apikeyOutput })
export const successOutput = z.object({ success: z.literal(true) })

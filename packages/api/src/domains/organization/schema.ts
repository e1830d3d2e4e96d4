import { z } from 'zod'
import { isoDate, isWebUrl, limit, page, updatesSomething } from '../common.ts'

export const organizationOutput = z
  .object({
    id: z.string().meta({ example: '0b5f1c3e-7d1a-4c2b-9e8f-1a2b3c4d5e6f' }),
    created_by: z.string().meta({ description: 'Id of the user who created it', example: '0c1f9a52-7d4e-4b8a-9f2e-3b6d5a1c8e47' }),
    created_at: isoDate,
    updated_at: isoDate,
    logo: z.string().nullable(),
    name: z.string().meta({ example: 'Acme' }),
    management_email: z.string(),
    customer_id: z.string().nullable(),
  })
  .meta({ id: 'Organization' })

export const orgId = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .meta({ description: 'Organization id', example: '0b9d3c3e-6f1a-4f57-9a57-3f1c2b1c9e11' })

const orgName = z.string().trim().min(1).max(255).meta({ description: 'Organization name', example: 'Acme' })

export const organizationGetInput = z.object({
  orgId: orgId.optional().meta({ description: 'One organization to fetch; left out, all the key may see' }),
  page,
  limit,
})

/** POST and PUT take the same body: with `orgId` it updates, without it creates (`name` required). */
export const organizationSetInput = z
  .object({
    orgId: orgId.optional().meta({ description: 'The organization to update; left out, a new one is created' }),
    name: orgName.optional(),
    logo: z
      .string()
      .max(2048, 'invalid_url')
      .refine(isWebUrl, 'invalid_url')
      .nullable()
      .optional()
      .meta({ description: 'Logo URL, http(s) with no user:password part (null clears it)', example: 'https://example.com/logo.png' }),
    management_email: z
      .email()
      .max(320)
      .optional()
      .meta({ description: 'Billing and management contact (update only)', example: 'admin@example.com' }),
  })
  .superRefine((v, ctx) => {
    if (!v.orgId && v.name === undefined)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'name is required to create an organization' })
    if (v.orgId && !updatesSomething('orgId')(v)) ctx.addIssue({ code: 'custom', path: [], message: 'no_valid_fields_provided_for_update' })
  })

export const organizationUpdated = z.object({ status: z.literal('Organization updated'), data: organizationOutput })
export const organizationCreated = z.object({
  status: z.literal('Organization created'),
  id: z.string().meta({ description: 'Id of the new organization', example: '0b5f1c3e-7d1a-4c2b-9e8f-1a2b3c4d5e6f' }),
})
export const organizationSetOutput = z.union([organizationUpdated, organizationCreated])

export const organizationDeleteInput = z.object({ orgId })

import { z } from 'zod'
import { ROLES } from '../../access.ts'
import { limit, page } from '../common.ts'
import { orgId } from '../organization/schema.ts'

export const MEMBER_ROLES = [...ROLES.map((r) => `invite_${r}` as const), ...ROLES] as const

export const memberOutput = z
  .object({
    uid: z.string().meta({ description: 'User id', example: '0c1f9a52-7d4e-4b8a-9f2e-3b6d5a1c8e47' }),
    email: z.string(),
    image_url: z.string().meta({ description: 'Avatar URL ("" when none)', example: '' }),
    role: z.enum(MEMBER_ROLES),
  })
  .meta({ id: 'Member' })

// looser than z.email(): operators' addresses such as admin@localhost must be reachable too
const email = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'Invalid email address')
  .transform((s) => s.toLowerCase())
  .meta({ description: "The member's email (case-insensitive)", example: 'dev@example.com' })

const role = z.enum(ROLES)

export const memberListInput = z.object({ orgId, page, limit })

export const memberInviteInput = z.object({
  orgId,
  email,
  invite_type: role.meta({ description: 'The role the invited user gets once they accept (no higher than yours)', example: 'write' }),
})

export const memberUpdateInput = z.object({
  orgId,
  email,
  role: role.meta({ description: 'The new role (no higher than yours); a pending invite stays pending with this role', example: 'admin' }),
})

export const memberDeleteInput = z.object({ orgId, email })

export const memberAcceptInput = z.object({ orgId })

export const statusOK = z.object({ status: z.literal('OK') }).meta({ id: 'StatusOK' })

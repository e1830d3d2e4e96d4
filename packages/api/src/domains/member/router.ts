import { z } from 'zod'
import { allProcedure, readProcedure, router } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import {
  memberAcceptInput,
  memberDeleteInput,
  memberInviteInput,
  memberListInput,
  memberOutput,
  memberUpdateInput,
  statusOK,
} from './schema.ts'
import { acceptInvite, inviteMember, listMembers, removeMember, updateMember } from './service.ts'

const tags = ['organization']
const path = '/organization/members'

export const memberRouter = router({
  list: readProcedure
    .meta({
      errors: ['org_not_found'],
      openapi: {
        method: 'GET',
        path,
        tags,
        summary: 'List the members of an organization',
        description: 'Members and pending invites (`invite_*` roles), oldest first, 50 a page. Needs role read.',
      },
    })
    .input(memberListInput)
    .output(z.array(memberOutput))
    .query(({ ctx, input }) => listMembers(ctx, input)),

  invite: allProcedure
    .meta({
      errors: ['org_not_found', 'insufficient_role', 'insufficient_permissions', 'member_already_exists'],
      openapi: {
        method: 'POST',
        path,
        tags,
        summary: 'Invite a member',
        description:
          'Invites the user with this email (created if unknown) with the pending role `invite_<invite_type>`, which grants nothing until the user accepts ' +
          '(POST /organization/members/accept with their own key). `invite_type` may not be above your role. 409 member_already_exists when the user is a member or invited. Needs role admin.',
      },
    })
    .input(memberInviteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => inviteMember(ctx, input)),

  update: allProcedure
    .meta({
      errors: ['org_not_found', 'insufficient_role', 'insufficient_permissions', 'member_not_found', 'last_super_admin'],
      openapi: {
        method: 'PUT',
        path,
        tags,
        summary: "Change a member's role",
        description:
          'Sets the role of the member with this email. You may only change members whose role is no higher than yours, to a role no higher than yours; ' +
          'a pending invite stays pending with the new role. Demoting the last super_admin is 409 last_super_admin. Needs role admin.',
      },
    })
    .input(memberUpdateInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => updateMember(ctx, input)),

  delete: allProcedure
    .meta({
      errors: ['org_not_found', 'insufficient_role', 'insufficient_permissions', 'member_not_found', 'last_super_admin'],
      openapi: {
        method: 'DELETE',
        path,
        tags,
        summary: 'Remove a member',
        description:
          'Removes the member (or pending invite) with this email; only members whose role is no higher than yours. Removing the last super_admin is 409 last_super_admin. Needs role admin.',
      },
    })
    .input(memberDeleteInput)
    .output(statusOK)
    .mutation(({ ctx, input }) => removeMember(ctx, input)),

  accept: allProcedure
    .meta({
      errors: ['invite_not_found'],
      openapi: {
        method: 'POST',
        path: `${path}/accept`,
        tags,
        summary: 'Accept an invitation',
        description:
          "The key's owner accepts their pending invitation to `orgId`: `invite_<role>` becomes `<role>`. 404 invite_not_found when there is none.",
      },
    })
    .input(memberAcceptInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => acceptInvite(ctx, input)),
})

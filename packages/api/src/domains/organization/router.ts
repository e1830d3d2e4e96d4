import { z } from 'zod'
import { allProcedure, readProcedure, router } from '../../trpc.ts'
import { okOutput } from '../common.ts'
import { organizationDeleteInput, organizationGetInput, organizationOutput, organizationSetInput, organizationSetOutput } from './schema.ts'
import { deleteOrganization, getOrganizations, setOrganization } from './service.ts'

const tags = ['organization']

const setDescription =
  'POST and PUT take the same body. With `orgId`: updates `name`, `logo`, `management_email` (role admin; at least one of them, else 400 `no_valid_fields_provided_for_update`) and answers `{status: "Organization updated", data}`. ' +
  'Without `orgId`: creates an organization named `name` with the caller as super_admin and answers `{status: "Organization created", id}` ' +
  '(a key limited to some organizations or apps cannot create one). Needs key mode all.'

export const organizationRouter = router({
  get: readProcedure
    .meta({
      errors: ['org_not_found'],
      openapi: {
        method: 'GET',
        path: '/organization',
        tags,
        summary: 'List organizations or get one',
        description: 'With `orgId`: that organization (role read). Without: every organization the key may see, oldest first, 50 a page.',
      },
    })
    .input(organizationGetInput)
    .output(z.union([organizationOutput, z.array(organizationOutput)]))
    .query(({ ctx, input }) => getOrganizations(ctx, input)),

  set: allProcedure
    .meta({
      errors: ['no_valid_fields_provided_for_update', 'invalid_url', 'org_not_found', 'insufficient_role', 'insufficient_permissions'],
      openapi: { method: 'POST', path: '/organization', tags, summary: 'Create or update an organization', description: setDescription },
    })
    .input(organizationSetInput)
    .output(organizationSetOutput)
    .mutation(({ ctx, input }) => setOrganization(ctx, input)),

  put: allProcedure
    .meta({
      errors: ['no_valid_fields_provided_for_update', 'invalid_url', 'org_not_found', 'insufficient_role', 'insufficient_permissions'],
      openapi: { method: 'PUT', path: '/organization', tags, summary: 'Create or update an organization', description: setDescription },
    })
    .input(organizationSetInput)
    .output(organizationSetOutput)
    .mutation(({ ctx, input }) => setOrganization(ctx, input)),

  delete: allProcedure
    .meta({
      errors: ['org_not_found', 'insufficient_role', 'insufficient_permissions'],
      openapi: {
        method: 'DELETE',
        path: '/organization',
        tags,
        summary: 'Delete an organization',
        description:
          'Removes the organization with its members, apps and everything below them (channels, bundles, devices, overrides, statistics). ' +
          'API keys limited to it (or to its apps) lose it from their limits; a key left with no organization (or app) in a limit is deleted. Needs role super_admin.',
      },
    })
    .input(organizationDeleteInput)
    .output(okOutput)
    .mutation(({ ctx, input }) => deleteOrganization(ctx, input)),
})

import { z } from 'zod'
import { allProcedure, router } from '../../trpc.ts'
import {
  apikeyCreated,
  apikeyCreateInput,
  apikeyIdInput,
  apikeyListInput,
  apikeyOutput,
  apikeyUpdateInput,
  successOutput,
} from './schema.ts'
import { createKey, deleteKey, getKey, listKeys, updateKey } from './service.ts'

const tags = ['apikey']

export const apikeyRouter = router({
  list: allProcedure
    .meta({
      errors: [],
      openapi: {
        method: 'GET',
        path: '/apikey',
        tags,
        summary: "List the caller's API keys",
        description:
          "The keys of the calling key's owner that this key may manage (no more power than itself), oldest first, keys masked, 50 a page.",
      },
    })
    .input(apikeyListInput)
    .output(z.array(apikeyOutput))
    .query(({ ctx, input }) => listKeys(ctx, input)),

  get: allProcedure
    .meta({
      errors: ['apikey_not_found'],
      openapi: {
        method: 'GET',
        path: '/apikey/{id}',
        tags,
        summary: 'Get an API key',
        description: 'One key of the caller (masked). 404 apikey_not_found otherwise.',
      },
    })
    .input(apikeyIdInput)
    .output(apikeyOutput)
    .query(({ ctx, input }) => getKey(ctx, input)),

  create: allProcedure
    .meta({
      errors: ['invalid_app_id', 'invalid_expires_at', 'org_not_found', 'app_not_found', 'insufficient_permissions'],
      restInput: 'body-or-query',
      openapi: {
        method: 'POST',
        path: '/apikey',
        tags,
        summary: 'Create an API key',
        description:
          'Creates a key for the caller; the answer holds the plaintext key, shown this once (only its SHA-256 is stored). With `org_id` the key is limited to that organization. ' +
          'The new key may not have more power than the calling key: a mode no higher, limits within its limits (non-empty when it is limited), an expiry no later. Fields may also come as query parameters.',
      },
    })
    .input(apikeyCreateInput)
    .output(apikeyCreated)
    .mutation(({ ctx, input }) => createKey(ctx, input)),

  update: allProcedure
    .meta({
      errors: [
        'no_valid_fields_provided_for_update',
        'invalid_app_id',
        'invalid_expires_at',
        'apikey_not_found',
        'org_not_found',
        'app_not_found',
        'insufficient_permissions',
      ],
      openapi: {
        method: 'PUT',
        path: '/apikey/{id}',
        tags,
        summary: 'Update an API key',
        description:
          "Changes the name, mode, limits or expiry of one of the caller's keys. The result may not have more power than the calling key. `expires_at: null` removes the expiry.",
      },
    })
    .input(apikeyUpdateInput)
    .output(apikeyOutput)
    .mutation(({ ctx, input }) => updateKey(ctx, input)),

  delete: allProcedure
    .meta({
      errors: ['apikey_not_found'],
      openapi: {
        method: 'DELETE',
        path: '/apikey/{id}',
        tags,
        summary: 'Delete an API key',
        description: "Revokes one of the caller's keys at once (it may be the calling key). 404 apikey_not_found when there is none.",
      },
    })
    .input(apikeyIdInput)
    .output(successOutput)
    .mutation(({ ctx, input }) => deleteKey(ctx, input)),
})

// /openapi.json: generated from the router, with the contract's error envelope on every operation.
import { appRouter, ERRORS, errorEnvelope } from '@capgo-api/api'
import { generateOpenApiDocument } from 'trpc-to-openapi'
import { createSchema } from 'zod-openapi'

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input', 401: 'Missing or invalid API key', 403: 'Key mode or role too weak', 404: 'Not found (or not visible to this key)',
  409: 'Conflict', 413: 'Body too large', 415: 'Wrong content type', 429: 'Rate limited', 500: 'Unexpected error', 503: 'Database unavailable',
}

export function buildOpenApiDocument(baseUrl: string) {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'capgo-api',
    version: '1.0.0',
    description: 'Self-hostable Capgo public API: channels, devices, bundles, apps, organizations, members, API keys, statistics, and the endpoints the Capacitor updater plugin calls.',
    baseUrl,
    securitySchemes: { apikey: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Your API key (a bare key or `Bearer <key>`)' } },
  })
  const { schema } = createSchema(errorEnvelope)
  doc.components ??= {}
  doc.components.schemas = { ...doc.components.schemas, Error: schema as never }
  const codesByStatus = new Map<number, string[]>()
  for (const [code, [status]] of Object.entries(ERRORS)) codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code])
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item as Record<string, { responses?: Record<string, unknown>; security?: unknown[] }>)) {
      if (!op || typeof op !== 'object' || !op.responses) continue
      const statuses = op.security?.length ? [400, 401, 403, 404, 500, 503] : [400, 500, 503]
      for (const key of Object.keys(op.responses)) if (key !== '200') delete op.responses[key]
      for (const s of statuses) {
        op.responses[String(s)] = {
          description: `${STATUS_TEXT[s]}. Codes: ${(codesByStatus.get(s) ?? []).join(', ')}`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        }
      }
    }
  }
  return doc
}

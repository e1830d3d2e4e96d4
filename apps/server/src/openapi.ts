// /openapi.json: generated from the router by trpc-to-openapi, then completed generically for every
// operation, so a procedure added anywhere documents itself:
// - its error responses: per status, the `Error` envelope with `error` narrowed to the codes of that
//   status (the procedure's declared `meta.errors` and the generic ones its kind implies), one named
//   example per code, and one compact table of all of them in the operation's description;
// - parameter descriptions and examples taken from the zod meta;
// - a complete example of each answer and body, built from the schemas' examples (answers that are
//   a union get one example per variant, e.g. /updates' "no update" answers, which are HTTP 200);
// - tags with display names and descriptions, grouped (management API vs device endpoints);
// - no noise: no orphan component schemas, no ±2^53 bounds of plain integers.
// Each step is a module of openapi/: procedures.ts, errors.ts, examples.ts, cleanup.ts.
import { appRouter, errorEnvelope } from '@capgo-api/api'
import type { AnyRouter } from '@trpc/server'
import { generateOpenApiDocument } from 'trpc-to-openapi'
import { createSchema } from 'zod-openapi'
import { dropOrphanSchemas, stripSafeIntegerBounds } from './openapi/cleanup.ts'
import { errorCodesOf, errorTable, setErrorResponses } from './openapi/errors.ts'
import { setExamples } from './openapi/examples.ts'
import type { Json } from './openapi/json.ts'
import { collectProcedures, completeParameters, fieldExamples } from './openapi/procedures.ts'

/** The name of the security scheme (an API key in the `authorization` header). */
export const SECURITY_SCHEME = 'authorization'

/** How each tag is shown in /docs. Tags without an entry still appear, under their own name. */
const TAGS: Record<string, { title: string; description: string }> = {
  app: { title: 'Apps', description: 'Apps of your organizations.' },
  channel: { title: 'Channels', description: 'Channels: which bundle a group of devices gets, and the update policies.' },
  device: { title: 'Devices', description: 'Devices that checked in, and per-device channel or version overrides.' },
  bundle: { title: 'Bundles', description: 'Bundles (versions) of an app.' },
  organization: { title: 'Organizations', description: 'Organizations, their members and invitations.' },
  members: { title: 'Members', description: 'Members and invitations of an organization.' },
  member: { title: 'Members', description: 'Members and invitations of an organization.' },
  apikey: { title: 'API keys', description: 'API keys of the caller.' },
  statistics: { title: 'Statistics', description: 'Daily MAU, storage and bandwidth, as JSON or as an SVG chart.' },
  plugin: { title: 'Updater plugin', description: 'Endpoints the Capacitor updater plugin calls (no API key).' },
  device_api: { title: 'Updater plugin', description: 'Endpoints the Capacitor updater plugin calls (no API key).' },
}
const MANAGEMENT_GROUP = 'Management API (API key)'
const DEVICE_GROUP = 'Device endpoints (no key)'

export interface OpenApiOptions {
  /** the router to describe (tests pass their own) */
  router?: AnyRouter
  /** document 429 `too_many_requests` on every operation (when the server rate-limits) */
  rateLimited?: boolean
}

export function buildOpenApiDocument(baseUrl: string, opts: OpenApiOptions = {}) {
  const router = opts.router ?? appRouter
  const doc = generateOpenApiDocument(router, {
    title: 'capgo-api',
    version: '1.0.0',
    description: [
      'Self-hostable Capgo public API: channels, devices, bundles, apps, organizations, members, API keys, statistics, and the endpoints the Capacitor updater plugin calls.',
      '',
      'Authenticate with your API key in the `authorization` header (a bare key or `Bearer <key>`; `capgkey` and `x-api-key` work too). GET and DELETE take query parameters, POST and PUT a JSON body.',
      '',
      'Every error answers `{"status":"KO","error":"<code>","message":"…"}` (schema `Error`). Each operation ends with a table of the codes it can answer; its error responses carry the same codes as the enum of `error`.',
    ].join('\n'),
    baseUrl,
    securitySchemes: {
      [SECURITY_SCHEME]: {
        type: 'apiKey',
        in: 'header',
        name: 'authorization',
        description: 'Your API key (a bare key or `Bearer <key>`)',
      },
    },
  }) as Json
  // the envelope carries `id: 'Error'`, so createSchema answers a $ref and the schema itself as a component
  const { schema, components } = createSchema(errorEnvelope)
  doc.components ??= {}
  doc.components.schemas = { ...doc.components.schemas, ...components, ...(schema.$ref ? {} : { Error: schema }) }
  stripSafeIntegerBounds(doc)

  const procedures = collectProcedures(router)
  const examples = fieldExamples(procedures)
  const tagOps = new Map<string, boolean[]>()
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Json][]) {
    for (const [method, op] of Object.entries(item) as [string, Json][]) {
      if (!op || typeof op !== 'object' || !op.responses) continue
      const proc = procedures.get(`${method.toUpperCase()} ${path}`)
      const fields = proc?.fields ?? {}
      for (const t of op.tags ?? []) tagOps.set(t, [...(tagOps.get(t) ?? []), Boolean(op.security?.length)])
      completeParameters(op, fields)
      const codes = errorCodesOf(method.toUpperCase(), op, proc?.meta, fields, opts.rateLimited)
      setErrorResponses(op, codes)
      setExamples(doc, op, examples)
      // `graph` turns the answer into a chart (served by http/statistics-charts.ts)
      if (fields.graph) {
        op.responses['200'].content['image/svg+xml'] = {
          schema: { type: 'string', description: 'An SVG chart of the `graph` metric over the range (when `graph` is given)' },
        }
      }
      op.description = [op.description ?? op.summary ?? '', errorTable(doc, op, codes)].join('\n\n').trim()
    }
  }
  doc.tags = [...tagOps.keys()].map((name) => ({
    name,
    ...(TAGS[name] ? { 'x-displayName': TAGS[name].title, description: TAGS[name].description } : {}),
  }))
  // a tag whose operations all go without a key is a device endpoint's
  const isDeviceTag = (t: string) => !(tagOps.get(t) ?? []).some(Boolean)
  doc['x-tagGroups'] = [
    { name: MANAGEMENT_GROUP, tags: [...tagOps.keys()].filter((t) => !isDeviceTag(t)) },
    { name: DEVICE_GROUP, tags: [...tagOps.keys()].filter(isDeviceTag) },
  ].filter((g) => g.tags.length)
  dropOrphanSchemas(doc)
  return doc
}

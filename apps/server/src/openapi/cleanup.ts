// No noise in the document: no ±2^53 bounds of plain integers, no orphan component schemas.
import { type Json, refName } from './json.ts'

const SAFE = Number.MAX_SAFE_INTEGER

/** zod writes every `.int()` with the ±2^53 bounds of a JS number: noise, and the worst example value. */
export function stripSafeIntegerBounds(node: unknown) {
  if (!node || typeof node !== 'object') return
  const o = node as Json
  if (o.minimum === -SAFE) delete o.minimum
  if (o.maximum === SAFE) delete o.maximum
  for (const v of Object.values(o)) stripSafeIntegerBounds(v)
}

/** Component schemas no operation reaches (trpc-to-openapi's own error schemas among them) are dropped. */
export function dropOrphanSchemas(doc: Json) {
  const schemas = (doc.components?.schemas ?? {}) as Json
  const reached = new Set<string>()
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return
    const name = refName(node as Json)
    if (name && (node as Json).$ref.startsWith('#/components/schemas/') && !reached.has(name)) {
      reached.add(name)
      visit(schemas[name])
    }
    for (const v of Object.values(node)) visit(v)
  }
  visit(doc.paths)
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name]
}

// What the router says about each documented operation: its meta and input fields, and the
// parameter descriptions and examples trpc-to-openapi leaves out.
import type { ProcedureMeta } from '@capgo-api/api'
import type { AnyRouter } from '@trpc/server'
import type { z } from 'zod'
import { fieldMeta, inputFields } from '../input-schema.ts'
import type { Json } from './json.ts'

export interface ProcInfo {
  meta: ProcedureMeta
  /** the input object's fields (merged over chained .input() calls) */
  fields: Record<string, z.ZodType>
}

export function collectProcedures(router: AnyRouter): Map<string, ProcInfo> {
  const out = new Map<string, ProcInfo>()
  for (const proc of Object.values(router._def.procedures as Record<string, { _def: { meta?: ProcedureMeta; inputs?: z.ZodType[] } }>)) {
    const meta = proc._def.meta
    const openapi = meta?.openapi
    if (!meta || !openapi || openapi.enabled === false) continue
    out.set(`${openapi.method} ${openapi.path.replace(/\/+$/, '') || '/'}`, { meta, fields: inputFields(proc._def.inputs ?? []) })
  }
  return out
}

/**
 * Every input field's example, by field name: what an answer's field of the same name looks like.
 * A name whose examples differ between procedures (`name` of an app, of a channel…) means nothing alone: left out.
 */
export function fieldExamples(procedures: Map<string, ProcInfo>): Map<string, unknown> {
  const out = new Map<string, unknown>()
  const ambiguous = new Set<string>()
  for (const { fields } of procedures.values())
    for (const [name, field] of Object.entries(fields)) {
      const { example } = fieldMeta(field)
      if (example === undefined) continue
      if (out.has(name) && JSON.stringify(out.get(name)) !== JSON.stringify(example)) ambiguous.add(name)
      else out.set(name, example)
    }
  for (const name of ambiguous) out.delete(name)
  return out
}

/** trpc-to-openapi drops the meta of optional query parameters and keeps examples inside the schema: fill both in. */
export function completeParameters(op: Json, fields: Record<string, z.ZodType>) {
  for (const p of (op.parameters ?? []) as Json[]) {
    const m = fieldMeta(fields[p.name])
    p.schema ??= {}
    p.description ??= p.schema.description ?? m.description
    if (p.schema.description === undefined && p.description !== undefined) p.schema.description = p.description
    const example = p.example ?? p.schema.example ?? p.schema.examples?.[0] ?? m.example
    // once, on the parameter (/docs would show the schema's too)
    if (example !== undefined) p.example = example
    delete p.schema.example
    delete p.schema.examples
  }
  for (const media of Object.values((op.requestBody?.content ?? {}) as Record<string, Json>)) {
    const props = (media.schema?.properties ?? {}) as Record<string, Json>
    for (const [name, prop] of Object.entries(props)) {
      if (prop.$ref) continue
      const m = fieldMeta(fields[name])
      if (prop.description === undefined && m.description !== undefined) prop.description = m.description
      if (prop.example === undefined && prop.examples === undefined && m.example !== undefined) prop.example = m.example
    }
  }
}

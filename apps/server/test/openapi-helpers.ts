// What the /openapi.json suites share: an operation's name, its body schema, and the procedures
// behind the REST operations.
import { appRouter, type ProcedureMeta } from '@capgo-api/api'
import type { z } from 'zod'
import { inputFields } from '../src/input-schema.ts'
import { deref, type Operation } from './docs-helpers.ts'

export const name = (o: Operation) => `${o.method} ${o.path}`

/** The request body schema of an operation, resolved. */
export const bodySchema = (doc: any, op: any) => deref(doc, op.requestBody?.content?.['application/json']?.schema)

/** The procedures behind the REST operations, with their input and output schemas. */
export function schemasByOperation() {
  const out = new Map<string, { inputs: z.ZodType[]; output?: z.ZodType; meta: ProcedureMeta }>()
  for (const proc of Object.values(appRouter._def.procedures) as any[]) {
    const meta = proc._def.meta?.openapi
    if (meta) out.set(`${meta.method} ${meta.path}`, { inputs: proc._def.inputs ?? [], output: proc._def.output, meta: proc._def.meta })
  }
  return out
}

/** The procedures behind the REST operations, with their input fields. */
export function proceduresByOperation() {
  const out = new Map<string, Record<string, z.ZodType>>()
  for (const proc of Object.values(appRouter._def.procedures) as any[]) {
    const meta = proc._def.meta?.openapi
    if (meta) out.set(`${meta.method} ${meta.path}`, inputFields(proc._def.inputs ?? []))
  }
  return out
}

// A procedure's input as REST and /openapi.json see it, read through zod's public API only.
import { z } from 'zod'

/** The schema under optional/nullable/default/lazy wrappers and pipes (a transform's input side, else the output). */
export function unwrapSchema(s: z.ZodType): z.ZodType {
  for (let depth = 0; depth < 16; depth++) {
    const next = unwrapOnce(s)
    if (next === s) return s
    s = next
  }
  return s
}

/** The fields of a procedure's input objects, merged over chained .input() calls. */
export function inputFields(inputs: readonly z.ZodType[]): Record<string, z.ZodType> {
  const fields: Record<string, z.ZodType> = {}
  for (const input of inputs) {
    const s = unwrapSchema(input)
    if (s instanceof z.ZodObject) Object.assign(fields, s.shape)
  }
  return fields
}

/** True for an input that takes nothing (`z.void()` and the like). */
export const isVoidInput = (inputs: readonly z.ZodType[]) =>
  inputs.length === 1 && [z.ZodVoid, z.ZodUndefined, z.ZodNever].some((type) => unwrapSchema(inputs[0]!) instanceof type)

/** The description and example of a field: on the field itself or on a schema it wraps. */
export function fieldMeta(field: z.ZodType | undefined): { description?: string; example?: unknown } {
  const out: { description?: string; example?: unknown } = {}
  for (let cur = field, depth = 0; cur && depth < 16; depth++) {
    const m = cur.meta()
    if (m) {
      if (out.description === undefined && typeof m.description === 'string') out.description = m.description
      if (out.example === undefined && m.example !== undefined) out.example = m.example
      if (out.example === undefined && Array.isArray(m.examples) && m.examples.length) out.example = m.examples[0]
    }
    const next = unwrapOnce(cur)
    if (next === cur) break
    cur = next
  }
  return out
}

/** The schema an optional/nullable/default/prefault/lazy wrapper holds; any other schema itself. */
export function unwrapWrapper(s: z.ZodType): z.ZodType {
  if (
    s instanceof z.ZodOptional ||
    s instanceof z.ZodNullable ||
    s instanceof z.ZodDefault ||
    s instanceof z.ZodPrefault ||
    s instanceof z.ZodLazy
  )
    return s.unwrap() as z.ZodType
  return s
}

function unwrapOnce(s: z.ZodType): z.ZodType {
  if (s instanceof z.ZodPipe) return (s.out instanceof z.ZodTransform ? s.in : s.out) as z.ZodType
  return unwrapWrapper(s)
}

// The generated document is patched as loose JSON; these walk its $refs.

// biome-ignore lint/suspicious/noExplicitAny: the generated document is patched as loose JSON (typed, every step would need a cast)
export type Json = Record<string, any>

/** The schema `s` points to, following $refs through the document. */
export const ref = (doc: Json, s: Json | undefined): Json => {
  let cur = s ?? {}
  for (let i = 0; typeof cur.$ref === 'string' && i < 20; i++)
    cur = (cur.$ref as string)
      .slice(2)
      .split('/')
      .reduce((o: Json, k) => o?.[k], doc)
  return cur ?? {}
}
/** The component name of a $ref. */
export const refName = (s: Json | undefined) => (typeof s?.$ref === 'string' ? (s.$ref as string).split('/').pop() : undefined)

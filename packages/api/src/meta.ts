// What each procedure declares beside its schemas, read by the REST routes and /openapi.json.
import type { OpenApiMeta } from 'trpc-to-openapi'
import type { ErrorCode } from './errors.ts'

export type ProcedureMeta = OpenApiMeta<{
  /**
   * The catalogue codes the procedure itself can answer (its checks and its schema's own codes).
   * The generic ones (key, key mode, validation, body, rate limit, server) follow from the
   * procedure's kind and are added by /openapi.json.
   */
  errors?: readonly ErrorCode[]
  /** codes this procedure answers with another HTTP status than the catalogue's (the contract says so) */
  errorStatus?: Partial<Record<ErrorCode, number>>
  /** REST input: by default GET and DELETE read the query, the other methods the JSON body; `body-or-query` merges the query under the body */
  restInput?: 'body-or-query'
}>

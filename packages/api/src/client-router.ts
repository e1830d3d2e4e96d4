// The router's type as a client sees it: the same procedures with their inputs and outputs, but
// neither the server's context (services, database) nor its procedure meta (OpenAPI). Its emitted
// declaration is fully expanded, so @capgo-api/client can publish types that hold no server code.
// Only its type is used (`export type` in index.ts): nothing here runs in the server.
import type { TRPCBuiltRouter, TRPCMutationProcedure, TRPCQueryProcedure, TRPCRouterRecord } from '@trpc/server'
import { appRouter } from './root.ts'

interface RootTypes {
  ctx: unknown
  meta: unknown
  errorShape: unknown
  transformer: boolean
}

type Def = { input: unknown; output: unknown; meta: unknown }

function withoutServerTypes<TRoot extends RootTypes, TRecord extends TRPCRouterRecord>(
  r: TRPCBuiltRouter<TRoot, TRecord>,
): TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: TRoot['errorShape']; transformer: TRoot['transformer'] },
  {
    [D in keyof TRecord]: {
      [P in keyof TRecord[D]]: TRecord[D][P] extends TRPCQueryProcedure<infer T extends Def>
        ? TRPCQueryProcedure<{ input: T['input']; output: T['output']; meta: object }>
        : TRecord[D][P] extends TRPCMutationProcedure<infer T extends Def>
          ? TRPCMutationProcedure<{ input: T['input']; output: T['output']; meta: object }>
          : never
    }
  }
> {
  return r as never
}

export const clientRouter = withoutServerTypes(appRouter)
export type ClientRouter = typeof clientRouter
export type { ErrorCode, Issue } from './errors.ts'

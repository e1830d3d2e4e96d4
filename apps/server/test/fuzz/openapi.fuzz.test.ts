// Property-based fuzzing of every REST operation of /openapi.json (fast-check): requests built
// from the schemas, then corrupted with wrong types, missing fields, huge strings, odd unicode,
// SQL/JSON injection text, malformed JSON, wrong content types and oversized bodies. Whatever
// comes in: never a 5xx, every error in the envelope with a status and code the operation
// documents, and the invalid requests change nothing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTestApp, createTenant, isolatedDatabase, snapshotDb, type Tenant } from '../harness.ts'
import { operations } from '../security/openapi-cases.ts'
import { anyMutation, type Case, fieldsOf, INJECTIONS, invalidating, type Mutation, nasty } from './cases.ts'
import { build, runAll } from './requests.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20260101)
const ANY_RUNS = Number(process.env.FUZZ_ANY_RUNS ?? 2600)
const INVALID_RUNS = Number(process.env.FUZZ_INVALID_RUNS ?? 6600)

describe(`fuzzing /openapi.json (seed ${SEED})`, () => {
  it(`10,000+ generated requests: no 5xx, errors in the envelope, invalid ones change nothing`, async () => {
    const { database } = await isolatedDatabase()
    // no rate limits: their windows are time-based, so which requests reached the handlers (and
    // which a 429 answered) depended on the machine's speed; they have their own tests
    const app = await buildTestApp(database, { rateLimit: false })
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body)
    const ops = operations(doc)
    const fields = ops.map((op) => fieldsOf(doc, op))
    expect(ops.length).toBeGreaterThan(0)

    // phase 1: anything goes (may create and delete), on its own tenants
    const tenants = await Promise.all(Array.from({ length: 6 }, () => createTenant({ database })))
    const keyFor = (t: Tenant, c: Case) => (c.key === 'all' ? t.keys.all : c.key === 'read' ? t.keys.read : undefined)
    const anyCases = fc.sample(
      fc.nat({ max: ops.length - 1 }).chain((op) =>
        fc.record({
          op: fc.constant(op),
          tenant: fc.nat({ max: tenants.length - 1 }),
          invalid: fc.constant(false),
          key: fc.constantFrom<Case['key']>('all', 'all', 'all', 'read', 'none', 'garbage'),
          mutations: fc.array(anyMutation(fields[op]!), { minLength: 1, maxLength: 4 }),
        }),
      ),
      { numRuns: ANY_RUNS, seed: SEED },
    )
    const anyItems = anyCases.map((c) => {
      const t = tenants[c.tenant]!
      const built = build(doc, ops[c.op]!, fields[c.op]!, t, c)
      const key = keyFor(t, c)
      if (key) built.inject.headers = { ...(built.inject.headers as object), authorization: key }
      return { built, mustFail: false }
    })
    // first, every injection / odd-unicode value once in every field of every operation, the rest
    // valid, on tenants of their own (the random requests below may delete apps and orgs)
    const gauntletTenants = await Promise.all(Array.from({ length: 3 }, () => createTenant({ database })))
    const gauntlet: typeof anyItems = []
    ops.forEach((op, i) => {
      fields[i]!.forEach((_f, field) => {
        // a rotating seventh of the values per field: every value still reaches every operation,
        // and the suite stays within its time budget as operations grow
        for (const value of INJECTIONS.filter((_v, j) => (j + field + i) % 7 === 0)) {
          const t = gauntletTenants[(field + value.length) % gauntletTenants.length]!
          const built = build(doc, op, fields[i]!, t, {
            op: i,
            tenant: 0,
            key: 'all',
            invalid: false,
            mutations: [{ kind: 'set', field, value }],
          })
          built.inject.headers = { ...(built.inject.headers as object), authorization: t.keys.all }
          gauntlet.push({ built, mustFail: false })
        }
      })
    })
    const anyFailures = [...(await runAll(app, doc, gauntlet)), ...(await runAll(app, doc, anyItems))]
    expect(anyFailures.slice(0, 10), `${anyFailures.length} failures`).toEqual([])

    // phase 2: surely invalid requests with a valid key of mode all, on fresh tenants; the database must not move
    const fresh = await Promise.all(Array.from({ length: 3 }, () => createTenant({ database })))
    const invalidOps = ops.map((op, i) => ({ i, arbs: invalidating(doc, op, fields[i]!) })).filter((o) => o.arbs.length)
    expect(invalidOps.length).toBeGreaterThan(0)
    const invalidCases = fc.sample(
      fc.constantFrom(...invalidOps).chain(({ i, arbs }) =>
        fc.record({
          op: fc.constant(i),
          tenant: fc.nat({ max: fresh.length - 1 }),
          invalid: fc.constant(true),
          key: fc.constant<Case['key']>('all'),
          // the corruption first; noise after it may only add unknown fields
          mutations: fc
            .tuple(
              fc.oneof(...arbs),
              fc.array(fc.record({ kind: fc.constant('extra' as const), name: nasty, value: fc.jsonValue({ maxDepth: 1 }) }), {
                maxLength: 2,
              }),
            )
            .map(([m, extra]) => [m, ...extra] as Mutation[]),
        }),
      ),
      { numRuns: INVALID_RUNS, seed: SEED + 1 },
    )
    const invalidItems = invalidCases.map((c) => {
      const t = fresh[c.tenant]!
      const built = build(doc, ops[c.op]!, fields[c.op]!, t, c)
      built.inject.headers = { ...(built.inject.headers as object), authorization: t.keys.all }
      return { built, mustFail: true }
    })
    const before = await snapshotDb(database)
    const invalidFailures = await runAll(app, doc, invalidItems)
    const after = await snapshotDb(database)
    expect(invalidFailures.slice(0, 10), `${invalidFailures.length} failures`).toEqual([])
    expect(after).toEqual(before)
    expect(gauntlet.length + anyItems.length + invalidItems.length).toBeGreaterThanOrEqual(10_000)
  }, 900_000) // ≈ 1 min alone; every request reaches its handler (no rate limit), so a loaded machine needs room
})

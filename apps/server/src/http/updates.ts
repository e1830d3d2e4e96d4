// POST /updates, the device check-in (and POST /stats, see below): every device of every app calls it, so this route runs the
// procedure's own input schema and function (answerUpdates) directly, without tRPC's procedure
// call around them: measured (pnpm bench), that call was a third of a check-in's CPU. The answer
// is the procedure's: errors go through the same catalogue (the procedure's only middleware maps
// errors, as describeFailure does here), and test/updates.happy.test.ts checks that the REST and
// tRPC answers are the same. The route is documented by the procedure's OpenAPI meta.
import {
  answerUpdates,
  containsNul,
  describeError,
  deviceInfo,
  envelope,
  invalidJsonBody,
  messageOf,
  recordEvents,
  type Services,
  statsInput,
} from '@capgo-api/api'
import type { FastifyInstance } from 'fastify'
import { describeFailure } from './failure.ts'

export async function updatesRoute(app: FastifyInstance, opts: { services: Services }) {
  app.post('/updates', async (req, reply) => {
    const input = deviceInfo.safeParse(req.body)
    // not a valid info object: 400 invalid_json_body, as the procedure's middleware answers (trpc.ts deviceProcedure)
    if (!input.success)
      return reply
        .code(400)
        .type('application/json; charset=utf-8')
        .send(envelope(describeError(invalidJsonBody(input.error.issues))))
    // the procedures' rule (trpc.ts refuseNul): NUL is refused on both databases alike
    if (containsNul(input.data))
      return reply
        .code(400)
        .type('application/json; charset=utf-8')
        .send(envelope({ error: 'invalid_characters', status: 400, message: messageOf('invalid_characters') }))
    try {
      return await answerUpdates(opts.services, input.data)
    } catch (e) {
      const d = describeFailure(req, e)
      return reply.code(d.status).type('application/json; charset=utf-8').send(envelope(d))
    }
  })

  // POST /stats: the body as it came (the generic REST route spreads a body into an object, which
  // would turn `"text"` into events); each event is validated by recordEvents on its own
  app.post('/stats', async (req, reply) => {
    const input = statsInput.safeParse(req.body)
    if (!input.success)
      return reply
        .code(400)
        .type('application/json; charset=utf-8')
        .send(envelope(describeError(invalidJsonBody(input.error.issues))))
    try {
      return await recordEvents(opts.services, input.data)
    } catch (e) {
      const d = describeFailure(req, e)
      return reply.code(d.status).type('application/json; charset=utf-8').send(envelope(d))
    }
  })
}

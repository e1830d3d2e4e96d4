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
  invalidJsonBody,
  recordEvents,
  type Services,
  statsInput,
} from '@capgo-api/api'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { sendCode, sendEnvelope, sendFailure } from './failure.ts'

export async function updatesRoute(app: FastifyInstance, opts: { services: Services }) {
  app.post('/updates', async (req, reply) => {
    if (notJson(req)) return sendCode(reply, 'unsupported_media_type')
    // the procedures' order (trpc.ts base): NUL is refused first, on both databases alike
    if (containsNul(req.body)) return sendCode(reply, 'invalid_characters')
    const input = deviceInfo.safeParse(req.body)
    // not a valid info object: 400 invalid_json_body, as the procedure's middleware answers (trpc.ts deviceProcedure)
    if (!input.success) return sendEnvelope(reply, describeError(invalidJsonBody(input.error.issues)))
    try {
      return await answerUpdates(opts.services, input.data)
    } catch (e) {
      return sendFailure(req, reply, e)
    }
  })

  // POST /stats: the body as it came (the generic REST route spreads a body into an object, which
  // would turn `"text"` into events); each event is validated by recordEvents on its own
  app.post('/stats', async (req, reply) => {
    if (notJson(req)) return sendCode(reply, 'unsupported_media_type')
    const input = statsInput.safeParse(req.body)
    if (!input.success) return sendEnvelope(reply, describeError(invalidJsonBody(input.error.issues)))
    try {
      return await recordEvents(opts.services, input.data)
    } catch (e) {
      return sendFailure(req, reply, e)
    }
  })
}

/**
 * A body of another type is refused as by every other JSON operation (http/rest.ts): Fastify would
 * hand a text/plain body over as a string. No body at all is left to the input's validation.
 */
const notJson = (req: FastifyRequest) => req.body !== undefined && !req.headers['content-type']?.startsWith('application/json')

// A log destination for tests that read what a logger wrote.
import { Writable } from 'node:stream'

/** A stream that pushes each chunk written to it (a log line) onto `lines`. */
export function logInto(lines: string[]): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
}

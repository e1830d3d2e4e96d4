// Vitest global setup: builds the production bundle once per run, for the tests that spawn it, and
// the capgo-api CLI's bundle (packages/cli), which its end-to-end tests spawn.
import { execFileSync } from 'node:child_process'
import path from 'node:path'

export default function setup() {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: path.resolve(import.meta.dirname, '../..'), stdio: 'inherit' })
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    cwd: path.resolve(import.meta.dirname, '../../../../packages/cli'),
    stdio: 'inherit',
  })
}

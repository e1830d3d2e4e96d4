// Runs applyMigrations in a worker thread: the WASM schema engine's memory (~50 MB) goes away
// with the thread instead of staying in the server for its whole life.
import { parentPort, workerData } from 'node:worker_threads'
import { applyMigrations } from './wasm-engine.mjs'

try {
  const applied = await applyMigrations(workerData.url, workerData.dir)
  parentPort.postMessage({ applied })
} catch (e) {
  parentPort.postMessage({ error: String(e?.message ?? e) })
}

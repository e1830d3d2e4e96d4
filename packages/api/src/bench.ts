// What the benchmark's bare baseline routes need: the very queries and mappers the routers use.
export { channelSelect, toChannel } from './routers/channel.ts'
export { listDevices } from './lib/devices.ts'
export { readDailyStats } from './lib/stats.ts'
export { answerUpdates } from './lib/updates.ts'

// What the benchmark's bare baseline routes need: the very queries and mappers the routers use.
export { channelSelect, toChannel } from './domains/channel/router.ts'
export { listDevices } from './domains/device/devices.ts'
export { readDailyStats } from './infra/daily-stats.ts'
export { answerUpdates } from './domains/plugin/resolve-update.ts'

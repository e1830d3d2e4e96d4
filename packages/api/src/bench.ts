// What the benchmark's bare baseline routes need: the very queries and mappers the routers use.
export { channelSelect, toChannel } from './domains/channel/service.ts'
export { listDevices } from './domains/device/devices.ts'
export { answerUpdates } from './domains/plugin/service.ts'
export { readDailyStats } from './infra/daily-stats.ts'

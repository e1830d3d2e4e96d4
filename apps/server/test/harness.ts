// Shared test harness: one app per test file on the run's database, and tenants with keys of
// every mode and members of every role, so tests (and the security suite) need no set-up code.
export * from './harness/app.ts'
export * from './harness/calls.ts'
export * from './harness/databases.ts'
export * from './harness/tenants.ts'

export { openJobStore, SQLITE_FILE, type OpenJobStoreOptions } from './open.js';
export { PostgresJobStore, type PostgresStoreOptions } from './postgres-store.js';
export { SqliteJobStore, type SqliteStoreOptions } from './sqlite-store.js';
export { stateForOutcome } from './row.js';
export * from './types.js';

/** One versioned schema step. Versions only grow; a released step is never edited, only followed. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The steps of `migrations` not yet in `applied`, in order; refuses a database newer than this code. */
export function pendingMigrations(migrations: readonly Migration[], applied: readonly number[]): Migration[] {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  // An older replica must not run against a schema it does not understand (a rollback after
  // a newer version migrated): stop at start with a message instead of corrupting rows later.
  if (newest > known) {
    throw new Error(
      `job store: the database schema is at version ${newest} but this app knows only up to ${known}; run a newer version of the app`,
    );
  }
  const done = new Set(applied);
  return [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
}

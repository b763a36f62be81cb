/**
 * The E2B stand-in (`test/fakes/e2b-server/`) as a process of its own, for the benchmark: its
 * sandboxes' processes are spawned here, not in the app. Prints one JSON line with its
 * addresses and key once it listens; closes (killing its sandboxes) on SIGTERM.
 *
 *   tsx bench/harness/e2b-server.ts [pathPrefixDir ...]
 */
import { startFakeE2B } from '../../test/fakes/e2b-server/index.js';

const fake = await startFakeE2B({ pathPrefix: process.argv.slice(2) });
console.log(
  JSON.stringify({ apiUrl: fake.apiUrl, sandboxUrl: fake.sandboxUrl, apiKey: fake.apiKey, isolation: fake.isolation }),
);
process.once('SIGTERM', () => {
  void fake.close().finally(() => process.exit(0));
});

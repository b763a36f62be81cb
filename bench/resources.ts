/**
 * Benchmark: one whole run (local sandbox, stand-in agent) whose agent prints 1 GB of output on
 * one line and writes 500 MB of files, which `maxChangeMB` (50 by default) refuses. RSS is
 * sampled every 20 ms; the run fails the benchmark if it goes over the limit.
 *
 *   npm run bench:resources -- [outputMB=1024] [changeMB=500] [maxRssMB=400]
 */
import nock from 'nock';
import { resetNock } from '../test/app/harness.js';
import { resourceRun } from '../test/app/resources.js';

const outputMB = Number(process.argv[2] ?? 1024);
const changeMB = Number(process.argv[3] ?? 500);
const maxRssMB = Number(process.argv[4] ?? 400);

resetNock();
const cpu = process.cpuUsage();
const run = await resourceRun({ outputMB, changeMB, fileMB: 8 });
const used = process.cpuUsage(cpu);
nock.cleanAll();

console.log(`agent output: ${outputMB} MB on one line; changes: ${changeMB} MB`);
console.log(`status: ${run.status}`);
console.log(`wall: ${run.seconds.toFixed(1)} s, app CPU: ${((used.user + used.system) / 1e6).toFixed(1)} s`);
console.log(
  `RSS: ${run.startRssMB.toFixed(0)} MB before, ${run.peakRssMB.toFixed(0)} MB at most (limit ${maxRssMB} MB)`,
);
if (run.peakRssMB > maxRssMB) {
  console.error(`FAIL: RSS went over ${maxRssMB} MB`);
  process.exit(1);
}
process.exit(0);

/**
 * Preloaded into an app process (`--import`) by `npm run bench -- --cpu-prof=dir`: profiles
 * the process's CPU from its start and writes `<dir>/app-<pid>.cpuprofile` (Chrome DevTools
 * format) when it exits. Node 20 refuses `--cpu-prof` in NODE_OPTIONS, hence this.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // A session in the process's own thread answers synchronously, so this works in 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `app-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

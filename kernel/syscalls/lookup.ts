/** Finding the target of a pid or tid argument. */
import type { Process, Task } from '../task.js';
import { TaskState } from '../task.js';

/** The process with this pid (a tid names its process); 0 is the caller's. Null when gone. */
export function findProcess(t: Task, pid: number): Process | null {
  if (pid === 0) return t.proc;
  const k = t.kernel;
  const p = k.tasks.get(pid)?.proc ?? k.processes.get(pid) ?? null;
  return p !== null && p.state !== 'reaped' ? p : null;
}

/** The live thread with this tid, in thread group tgid when tgid > 0. */
export function findThread(t: Task, tgid: number, tid: number): Task | null {
  const x = t.kernel.tasks.get(tid) ?? null;
  if (x === null || x.state === TaskState.Dead) return null;
  if (tgid > 0 && x.pid !== tgid) return null;
  return x;
}

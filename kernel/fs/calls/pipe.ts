/** pipe, pipe2. */
import { PERM_W } from '../../../cpu/memory.js';
import { EFAULT, EINVAL } from '../../errno.js';
import { O_CLOEXEC, O_DIRECT, O_NONBLOCK } from '../../file.js';
import { makePipe } from '../pipe.js';
import type { FsHandler } from '../task.js';

const O_NOTIFICATION_PIPE = O_DIRECT;

export const pipe2: FsHandler = (t, fds, flagsv) => {
  const flags = flagsv | 0;
  if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE)) !== 0) return -EINVAL;
  if (!t.mem.check(fds, 8, PERM_W)) return -EFAULT;
  const [r, w] = makePipe(t.vfs.pipefs, t, flags);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = t.files.install(r, cloexec);
  if (rfd < 0) { w.put(t); return rfd; }
  const wfd = t.files.install(w, cloexec);
  if (wfd < 0) { t.files.close(rfd, t); return wfd; }
  t.mem.writeU32(fds, rfd);
  t.mem.writeU32(fds + 4, wfd);
  return 0;
};
export const pipe: FsHandler = (t, fds) => pipe2(t, fds, 0, 0, 0, 0, 0);

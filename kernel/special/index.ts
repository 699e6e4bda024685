/**
 * The special file descriptors (DESIGN.md decision 12): eventfd, timerfd,
 * signalfd, epoll, inotify and fanotify, each a FileOps kind with its
 * syscalls. makeSpecial() builds them over the kernel's clock, signal code
 * and VFS; the fsnotify hub it returns is what the VFS calls at each guest
 * filesystem operation so inotify and fanotify see them.
 */
import type { ArgKind, Handler, SyscallStatus } from '../syscalls/types.js';
import { Ida } from './anon.js';
import { epollCalls } from './epoll.js';
import { eventfdCalls } from './eventfd.js';
import { fanotifyCalls } from './fanotify.js';
import { InotifyUsers, inotifyCalls } from './inotify.js';
import { Fsnotify } from './notify.js';
import { Deadlines } from './retry.js';
import { signalfdCalls } from './signalfd.js';
import { type TimerFd, timerfdCalls } from './timerfd.js';
import type { SpecialEnv, SpecialTask } from './types.js';

export type { Clock, NotifyVfs, SigInfo, SigMask, SignalSource, SpecialCred, SpecialEnv, SpecialFdTable, SpecialTask, WatchTarget } from './types.js';
export {
  Fsnotify, type AttrChange, type FsObject, type NodeId, type NotifyTask, type ObjKind, type PermDecision,
} from './notify.js';
export { eventfdOps } from './eventfd.js';
export { timerfdOps } from './timerfd.js';
export { signalfdOps, encodeSiginfo } from './signalfd.js';
export { epollOps, isEpollFile } from './epoll.js';
export { inotifyOps, INOTIFY_LIMITS } from './inotify.js';
export { fanotifyOps, FANOTIFY_LIMITS } from './fanotify.js';
export * as layout from './layout.js';

export type SpecialCallName =
  'eventfd' | 'eventfd2' | 'timerfd_create' | 'timerfd_settime' | 'timerfd_gettime' | 'signalfd' | 'signalfd4' |
  'epoll_create' | 'epoll_create1' | 'epoll_ctl' | 'epoll_wait' | 'epoll_pwait' | 'epoll_pwait2' |
  'inotify_init' | 'inotify_init1' | 'inotify_add_watch' | 'inotify_rm_watch' | 'fanotify_init' | 'fanotify_mark';

export interface Special {
  /** The syscall handlers, by name. */
  readonly calls: Record<SpecialCallName, Handler<SpecialTask>>;
  /** The fsnotify hub the VFS reports guest filesystem operations to. */
  readonly fsnotify: Fsnotify;
  /** Call when CLOCK_REALTIME is set (settimeofday, clock_settime): TFD_TIMER_CANCEL_ON_SET timers report ECANCELED. */
  clockWasSet(): void;
}

export function makeSpecial(env: SpecialEnv): Special {
  const fsnotify = new Fsnotify();
  const timers = new Set<TimerFd>();
  const deadlines = new Deadlines();
  const calls = {
    ...eventfdCalls(new Ida()),
    ...timerfdCalls(env.clock, timers),
    ...signalfdCalls(env.signals),
    ...epollCalls(env.clock, env.vfs, deadlines),
    ...inotifyCalls(fsnotify, env.vfs, new InotifyUsers()),
    ...fanotifyCalls(fsnotify, env.vfs, new Map()),
  };
  return {
    calls,
    fsnotify,
    clockWasSet() { for (const t of [...timers]) t.clockWasSet(); },
  };
}

/** Table lines for kernel/syscalls/table.ts: number, name, argument kinds, status, note. */
export const SPECIAL_SYSCALLS: ReadonlyArray<readonly [number, SpecialCallName, readonly ArgKind[], SyscallStatus, string?]> = [
  [213, 'epoll_create', ['int'], 'supported'],
  [232, 'epoll_wait', ['fd', 'ptr', 'int', 'int'], 'supported'],
  [233, 'epoll_ctl', ['fd', 'int', 'fd', 'ptr'], 'supported'],
  [253, 'inotify_init', [], 'supported'],
  [254, 'inotify_add_watch', ['fd', 'path', 'uint'], 'supported'],
  [255, 'inotify_rm_watch', ['fd', 'int'], 'supported'],
  [281, 'epoll_pwait', ['fd', 'ptr', 'int', 'int', 'ptr', 'size'], 'supported'],
  [282, 'signalfd', ['fd', 'ptr', 'size'], 'supported'],
  [283, 'timerfd_create', ['clockid', 'flags'], 'supported'],
  [284, 'eventfd', ['uint'], 'supported'],
  [286, 'timerfd_settime', ['fd', 'flags', 'ptr', 'ptr'], 'supported'],
  [287, 'timerfd_gettime', ['fd', 'ptr'], 'supported'],
  [289, 'signalfd4', ['fd', 'ptr', 'size', 'flags'], 'supported'],
  [290, 'eventfd2', ['uint', 'flags'], 'supported'],
  [291, 'epoll_create1', ['flags'], 'supported'],
  [294, 'inotify_init1', ['flags'], 'supported'],
  [300, 'fanotify_init', ['flags', 'oflags'], 'partial', 'No FAN_REPORT_FID/DIR_FID/NAME/TARGET_FID, PIDFD or MNT (EINVAL); events carry an fd.'],
  [301, 'fanotify_mark', ['fd', 'flags', 'ulong', 'dirfd', 'path'], 'partial', 'Only the fd-reporting events (open, access, modify, close, permission).'],
  [441, 'epoll_pwait2', ['fd', 'ptr', 'int', 'ptr', 'ptr', 'size'], 'supported'],
];

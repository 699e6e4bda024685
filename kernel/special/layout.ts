/**
 * The x86-64 ABI of the special fds: struct layouts (offsets and sizes, as
 * the uapi headers give them and test/kernel/special/layout.test.ts checks
 * against musl-gcc) and the flag values of each syscall.
 */

/** struct timespec and struct itimerspec. */
export const TIMESPEC_SIZE = 16;
export const ITIMERSPEC = { size: 32, it_interval: 0, it_value: 16 } as const;

/** struct epoll_event is packed on x86-64: events (u32) then data (u64) at offset 4. */
export const EPOLL_EVENT = { size: 12, events: 0, data: 4 } as const;

/** struct signalfd_siginfo (include/uapi/linux/signalfd.h): 128 bytes. */
export const SIGNALFD_SIGINFO = {
  size: 128,
  ssi_signo: 0, ssi_errno: 4, ssi_code: 8, ssi_pid: 12, ssi_uid: 16, ssi_fd: 20, ssi_tid: 24,
  ssi_band: 28, ssi_overrun: 32, ssi_trapno: 36, ssi_status: 40, ssi_int: 44, ssi_ptr: 48,
  ssi_utime: 56, ssi_stime: 64, ssi_addr: 72, ssi_addr_lsb: 80, ssi_syscall: 84,
  ssi_call_addr: 88, ssi_arch: 96,
} as const;

/** struct inotify_event: 16 bytes, then len bytes of NUL-padded name. */
export const INOTIFY_EVENT = { size: 16, wd: 0, mask: 4, cookie: 8, len: 12, name: 16 } as const;

/** struct fanotify_event_metadata: 24 bytes (FAN_EVENT_METADATA_LEN). */
export const FANOTIFY_EVENT_METADATA = {
  size: 24, event_len: 0, vers: 4, reserved: 5, metadata_len: 6, mask: 8, fd: 16, pid: 20,
} as const;
export const FANOTIFY_METADATA_VERSION = 3;
/** struct fanotify_response: 8 bytes. */
export const FANOTIFY_RESPONSE = { size: 8, fd: 0, response: 4 } as const;

/** Clock ids (include/uapi/linux/time.h). */
export const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7;
export const CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9;

/** eventfd(2). */
export const EFD_SEMAPHORE = 1, EFD_CLOEXEC = 0o2000000, EFD_NONBLOCK = 0o4000;

/** timerfd(2). */
export const TFD_CLOEXEC = 0o2000000, TFD_NONBLOCK = 0o4000;
export const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;
/** _IOW('T', 0, __u64): CONFIG_CHECKPOINT_RESTORE's way to set the expiration count. */
export const TFD_IOC_SET_TICKS = 0x40085400;

/** signalfd(2). */
export const SFD_CLOEXEC = 0o2000000, SFD_NONBLOCK = 0o4000;

/** epoll(7). */
export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x001, EPOLLPRI = 0x002, EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010;
export const EPOLLRDNORM = 0x040, EPOLLRDBAND = 0x080, EPOLLWRNORM = 0x100, EPOLLWRBAND = 0x200;
export const EPOLLMSG = 0x400, EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30, EPOLLET = 2 ** 31;

/** inotify(7). */
export const IN_ACCESS = 0x1, IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8;
export const IN_CLOSE_NOWRITE = 0x10, IN_OPEN = 0x20, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800;
export const IN_UNMOUNT = 0x2000, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000;
export const IN_ONLYDIR = 0x01000000, IN_DONT_FOLLOW = 0x02000000, IN_EXCL_UNLINK = 0x04000000;
export const IN_MASK_CREATE = 0x10000000, IN_MASK_ADD = 0x20000000, IN_ISDIR = 0x40000000;
export const IN_ONESHOT = 0x80000000;
export const IN_ALL_EVENTS = 0xfff;
export const IN_CLOEXEC = 0o2000000, IN_NONBLOCK = 0o4000;

/** fanotify(7). */
export const FAN_ACCESS = 0x1, FAN_MODIFY = 0x2, FAN_ATTRIB = 0x4, FAN_CLOSE_WRITE = 0x8;
export const FAN_CLOSE_NOWRITE = 0x10, FAN_OPEN = 0x20, FAN_MOVED_FROM = 0x40, FAN_MOVED_TO = 0x80;
export const FAN_CREATE = 0x100, FAN_DELETE = 0x200, FAN_DELETE_SELF = 0x400, FAN_MOVE_SELF = 0x800;
export const FAN_OPEN_EXEC = 0x1000, FAN_Q_OVERFLOW = 0x4000, FAN_FS_ERROR = 0x8000;
export const FAN_OPEN_PERM = 0x10000, FAN_ACCESS_PERM = 0x20000, FAN_OPEN_EXEC_PERM = 0x40000;
export const FAN_EVENT_ON_CHILD = 0x08000000, FAN_RENAME = 0x10000000, FAN_ONDIR = 0x40000000;

export const FAN_CLOEXEC = 0x1, FAN_NONBLOCK = 0x2;
export const FAN_CLASS_NOTIF = 0x0, FAN_CLASS_CONTENT = 0x4, FAN_CLASS_PRE_CONTENT = 0x8;
export const FAN_UNLIMITED_QUEUE = 0x10, FAN_UNLIMITED_MARKS = 0x20, FAN_ENABLE_AUDIT = 0x40;
export const FAN_REPORT_PIDFD = 0x80, FAN_REPORT_TID = 0x100, FAN_REPORT_FID = 0x200;
export const FAN_REPORT_DIR_FID = 0x400, FAN_REPORT_NAME = 0x800, FAN_REPORT_TARGET_FID = 0x1000;
export const FAN_REPORT_FD_ERROR = 0x2000, FAN_REPORT_MNT = 0x4000;

export const FAN_MARK_ADD = 0x1, FAN_MARK_REMOVE = 0x2, FAN_MARK_DONT_FOLLOW = 0x4;
export const FAN_MARK_ONLYDIR = 0x8, FAN_MARK_MOUNT = 0x10, FAN_MARK_IGNORED_MASK = 0x20;
export const FAN_MARK_IGNORED_SURV_MODIFY = 0x40, FAN_MARK_FLUSH = 0x80, FAN_MARK_FILESYSTEM = 0x100;
export const FAN_MARK_EVICTABLE = 0x200, FAN_MARK_IGNORE = 0x400;
export const FAN_MARK_INODE = 0x0;

export const FAN_ALLOW = 0x1, FAN_DENY = 0x2, FAN_AUDIT = 0x10, FAN_INFO = 0x20;
export const FAN_NOFD = -1;

/** FIONREAD (asm-generic/ioctls.h). */
export const FIONREAD = 0x541b;

/** AT_FDCWD. */
export const AT_FDCWD = -100;

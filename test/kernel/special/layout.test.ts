/**
 * The struct layouts declared in kernel/special/layout.ts against what
 * musl-gcc says for x86-64 (DESIGN.md: every struct shared with the guest is
 * checked this way). Needs musl-gcc (installed by `npm run userspace`).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layout } from '../../../kernel/special/index.js';

/** Flag and event constants checked against the C headers. */
const CONSTANTS = [
  'EFD_SEMAPHORE', 'EFD_CLOEXEC', 'EFD_NONBLOCK', 'TFD_CLOEXEC', 'TFD_NONBLOCK', 'TFD_TIMER_ABSTIME',
  'TFD_TIMER_CANCEL_ON_SET', 'SFD_CLOEXEC', 'SFD_NONBLOCK', 'EPOLL_CLOEXEC', 'EPOLL_CTL_ADD', 'EPOLL_CTL_DEL',
  'EPOLL_CTL_MOD', 'EPOLLIN', 'EPOLLPRI', 'EPOLLOUT', 'EPOLLERR', 'EPOLLHUP', 'EPOLLRDNORM', 'EPOLLRDBAND',
  'EPOLLWRNORM', 'EPOLLWRBAND', 'EPOLLMSG', 'EPOLLRDHUP', 'EPOLLEXCLUSIVE', 'EPOLLWAKEUP', 'EPOLLONESHOT', 'EPOLLET',
  'IN_ACCESS', 'IN_MODIFY', 'IN_ATTRIB', 'IN_CLOSE_WRITE', 'IN_CLOSE_NOWRITE', 'IN_OPEN', 'IN_MOVED_FROM',
  'IN_MOVED_TO', 'IN_CREATE', 'IN_DELETE', 'IN_DELETE_SELF', 'IN_MOVE_SELF', 'IN_UNMOUNT', 'IN_Q_OVERFLOW',
  'IN_IGNORED', 'IN_ONLYDIR', 'IN_DONT_FOLLOW', 'IN_EXCL_UNLINK', 'IN_MASK_CREATE', 'IN_MASK_ADD', 'IN_ISDIR',
  'IN_ONESHOT', 'IN_ALL_EVENTS', 'IN_CLOEXEC', 'IN_NONBLOCK', 'FAN_ACCESS', 'FAN_MODIFY', 'FAN_ATTRIB',
  'FAN_CLOSE_WRITE', 'FAN_CLOSE_NOWRITE', 'FAN_OPEN', 'FAN_MOVED_FROM', 'FAN_MOVED_TO', 'FAN_CREATE', 'FAN_DELETE',
  'FAN_DELETE_SELF', 'FAN_MOVE_SELF', 'FAN_OPEN_EXEC', 'FAN_Q_OVERFLOW', 'FAN_FS_ERROR', 'FAN_OPEN_PERM',
  'FAN_ACCESS_PERM', 'FAN_OPEN_EXEC_PERM', 'FAN_EVENT_ON_CHILD', 'FAN_RENAME', 'FAN_ONDIR', 'FAN_CLOEXEC',
  'FAN_NONBLOCK', 'FAN_CLASS_NOTIF', 'FAN_CLASS_CONTENT', 'FAN_CLASS_PRE_CONTENT', 'FAN_UNLIMITED_QUEUE',
  'FAN_UNLIMITED_MARKS', 'FAN_ENABLE_AUDIT', 'FAN_REPORT_PIDFD', 'FAN_REPORT_TID', 'FAN_REPORT_FID',
  'FAN_REPORT_DIR_FID', 'FAN_REPORT_NAME', 'FAN_REPORT_TARGET_FID', 'FAN_MARK_ADD', 'FAN_MARK_REMOVE',
  'FAN_MARK_DONT_FOLLOW', 'FAN_MARK_ONLYDIR', 'FAN_MARK_MOUNT', 'FAN_MARK_IGNORED_MASK',
  'FAN_MARK_IGNORED_SURV_MODIFY', 'FAN_MARK_FLUSH', 'FAN_MARK_FILESYSTEM', 'FAN_MARK_EVICTABLE', 'FAN_MARK_IGNORE',
  'FAN_MARK_INODE', 'FAN_ALLOW', 'FAN_DENY', 'FAN_AUDIT', 'FAN_INFO', 'FAN_NOFD', 'FIONREAD',
] as const;

/** Prints each constant the headers define. */
const CONSTANT_LINES = CONSTANTS.map((k) => `#ifdef ${k}\n\tK(${k});\n#endif`).join('\n');

/** Constants the headers of this distribution may not have yet. */
const NEWER_THAN_HEADERS: readonly string[] = ['FAN_INFO'];

const PROGRAM = `
#include <stdio.h>
#include <stddef.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/inotify.h>
#include <sys/fanotify.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/ioctl.h>
#define F(s, f) printf(#s "." #f " %zu\\n", offsetof(struct s, f))
#define Z(s) printf(#s ".size %zu\\n", sizeof(struct s))
#define K(c) printf(#c " %lld\\n", (long long)(c))
int main(void)
{
	Z(timespec); Z(itimerspec); F(itimerspec, it_interval); F(itimerspec, it_value);
	Z(epoll_event); F(epoll_event, events); F(epoll_event, data);
	Z(signalfd_siginfo);
	F(signalfd_siginfo, ssi_signo); F(signalfd_siginfo, ssi_errno); F(signalfd_siginfo, ssi_code);
	F(signalfd_siginfo, ssi_pid); F(signalfd_siginfo, ssi_uid); F(signalfd_siginfo, ssi_fd);
	F(signalfd_siginfo, ssi_tid); F(signalfd_siginfo, ssi_band); F(signalfd_siginfo, ssi_overrun);
	F(signalfd_siginfo, ssi_trapno); F(signalfd_siginfo, ssi_status); F(signalfd_siginfo, ssi_int);
	F(signalfd_siginfo, ssi_ptr); F(signalfd_siginfo, ssi_utime); F(signalfd_siginfo, ssi_stime);
	F(signalfd_siginfo, ssi_addr); F(signalfd_siginfo, ssi_addr_lsb); F(signalfd_siginfo, ssi_syscall);
	F(signalfd_siginfo, ssi_call_addr); F(signalfd_siginfo, ssi_arch);
	Z(inotify_event); F(inotify_event, wd); F(inotify_event, mask); F(inotify_event, cookie);
	F(inotify_event, len); F(inotify_event, name);
	Z(fanotify_event_metadata); F(fanotify_event_metadata, event_len); F(fanotify_event_metadata, vers);
	F(fanotify_event_metadata, reserved); F(fanotify_event_metadata, metadata_len);
	F(fanotify_event_metadata, mask); F(fanotify_event_metadata, fd); F(fanotify_event_metadata, pid);
	printf("FAN_EVENT_METADATA_LEN %zu\\n", (size_t)FAN_EVENT_METADATA_LEN);
	printf("FANOTIFY_METADATA_VERSION %d\\n", FANOTIFY_METADATA_VERSION);
	Z(fanotify_response); F(fanotify_response, fd); F(fanotify_response, response);
${CONSTANT_LINES}
	return 0;
}
`;

/** The same constants from the kernel's own uapi headers (newer than musl's copies). */
const UAPI_PROGRAM = `
#include <stdio.h>
#include <linux/eventpoll.h>
#include <linux/inotify.h>
#include <linux/fanotify.h>
#define K(c) printf(#c " %lld\\n", (long long)(c))
int main(void)
{
${CONSTANT_LINES}
	return 0;
}
`;

/** Where linux-libc-dev keeps the uapi headers (as userspace/build.sh links them for musl-gcc). */
const UAPI = [['linux', '/usr/include/linux'], ['asm-generic', '/usr/include/asm-generic'], ['asm', '/usr/include/x86_64-linux-gnu/asm']];

function measure(): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'special-layout-'));
  try {
    writeFileSync(join(dir, 'layout.c'), PROGRAM);
    try {
      execFileSync('musl-gcc', ['-O0', '-fPIE', '-pie', '-o', join(dir, 'layout'), join(dir, 'layout.c')], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`musl-gcc could not build the layout probe (run "npm run userspace" to install musl-tools): ${String(e)}`);
    }
    let out = execFileSync(join(dir, 'layout'), { encoding: 'utf8' });
    const inc = join(dir, 'uapi-include');
    mkdirSync(inc);
    for (const [name, target] of UAPI) if (existsSync(target)) symlinkSync(target, join(inc, name));
    writeFileSync(join(dir, 'uapi.c'), UAPI_PROGRAM);
    try {
      execFileSync('musl-gcc', ['-O0', '-fPIE', '-pie', '-isystem', inc, '-o', join(dir, 'uapi-probe'), join(dir, 'uapi.c')], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`could not build the uapi probe (linux-libc-dev installed?): ${String(e)}`);
    }
    out += execFileSync(join(dir, 'uapi-probe'), { encoding: 'utf8' });
    const m = new Map<string, number>();
    for (const l of out.trim().split('\n')) {
      const [k, v] = l.split(' ');
      if (m.has(k) && m.get(k) !== Number(v)) throw new Error(`musl and the uapi headers disagree on ${k}`);
      m.set(k, Number(v));
    }
    return m;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('special/layout (against musl-gcc)', function () {
  this.timeout(60000);
  let c: Map<string, number>;
  before(() => { c = measure(); });

  /** Every field of a declared layout object matches struct `name` in C. */
  function same(name: string, decl: Record<string, number>): void {
    for (const [field, value] of Object.entries(decl)) {
      expect(c.get(`${name}.${field}`), `${name}.${field}`).to.equal(value);
    }
  }

  it('struct timespec and struct itimerspec', () => {
    expect(c.get('timespec.size')).to.equal(layout.TIMESPEC_SIZE);
    same('itimerspec', layout.ITIMERSPEC);
  });
  it('struct epoll_event is packed: 12 bytes, data at 4', () => same('epoll_event', layout.EPOLL_EVENT));
  it('struct signalfd_siginfo: 128 bytes, every field', () => same('signalfd_siginfo', layout.SIGNALFD_SIGINFO));
  it('struct inotify_event', () => same('inotify_event', layout.INOTIFY_EVENT));
  it('struct fanotify_event_metadata and its version', () => {
    same('fanotify_event_metadata', layout.FANOTIFY_EVENT_METADATA);
    expect(c.get('FAN_EVENT_METADATA_LEN')).to.equal(layout.FANOTIFY_EVENT_METADATA.size);
    expect(c.get('FANOTIFY_METADATA_VERSION')).to.equal(layout.FANOTIFY_METADATA_VERSION);
  });
  it('struct fanotify_response', () => same('fanotify_response', layout.FANOTIFY_RESPONSE));
  it('flag and event constants of eventfd, timerfd, signalfd, epoll, inotify and fanotify', () => {
    for (const k of CONSTANTS) {
      const mine = (layout as Record<string, unknown>)[k];
      // Newer than Debian 12's headers (Linux 6.3: #define FAN_INFO 0x20).
      if (!c.has(k) && NEWER_THAN_HEADERS.includes(k)) continue;
      // The C side prints values through long long: unsigned 32-bit flags stay positive.
      expect(typeof mine === 'number' ? mine : NaN, k).to.equal(c.get(k));
    }
  });
});

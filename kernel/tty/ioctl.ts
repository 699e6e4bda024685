/**
 * The terminal ioctls (tty_ioctl.c, tty_jobctrl.c, n_tty_ioctl): termios in
 * its three struct forms, window size, foreground process group, session
 * and controlling terminal, flushing and flow control. Guest memory goes
 * through the task's checked accessors; a bad pointer throws MemoryFault,
 * which Tty.ioctl turns into -EFAULT.
 */
import { EINVAL, EIO, ENOTTY, EPERM, ESRCH } from '../errno.js';
import type { OpenFile } from '../file.js';
import { SIGCONT, SIGHUP, SIGTTOU } from '../signal/defs.js';
import {
  FIONREAD, N_TTY, TCFLSH, TCGETA, TCGETS, TCGETS2, TCIFLUSH, TCIOFF, TCIOFLUSH, TCION, TCOFLUSH, TCOOFF, TCOON,
  TCSBRK, TCSBRKP, TCSETA, TCSETAF, TCSETAW, TCSETS, TCSETS2, TCSETSF, TCSETSF2, TCSETSW, TCSETSW2, TCXONC,
  TIOCCBRK, TIOCEXCL, TIOCGETD, TIOCGEXCL, TIOCGPGRP, TIOCGSID, TIOCGWINSZ, TIOCNOTTY, TIOCNXCL, TIOCOUTQ,
  TIOCSBRK, TIOCSCTTY, TIOCSETD, TIOCSPGRP, TIOCSTI, TIOCSWINSZ, TIOCVHANGUP,
} from './ioctls.js';
import { type TtyTask, checkChange, isControlling } from './jobctl.js';
import {
  TERMIO, TERMIOS, TERMIOS2, type Termios, WINSIZE, decodeTermio, decodeTermios, decodeWinsize, encodeTermio,
  encodeTermios, encodeWinsize, keepHardware,
} from './termios.js';
import type { Tty } from './tty.js';

/** A terminal ioctl on `tty` by task t; cmd is the unsigned request number. */
export function terminalIoctl(tty: Tty, file: OpenFile, t: TtyTask, cmd: number, arg: number): number {
  if (tty.isHungUp) return cmd === TIOCSPGRP ? -ENOTTY : -EIO;
  const mem = t.mem;
  switch (cmd) {
    case TCGETS: mem.writeBytes(arg, encodeTermios(tty.ldisc.termios)); return 0;
    case TCGETS2: mem.writeBytes(arg, encodeTermios(tty.ldisc.termios, true)); return 0;
    case TCGETA: mem.writeBytes(arg, encodeTermio(tty.ldisc.termios)); return 0;
    case TCSETS: case TCSETSW: case TCSETSF:
    case TCSETS2: case TCSETSW2: case TCSETSF2:
    case TCSETA: case TCSETAW: case TCSETAF:
      return setTermios(tty, t, cmd, arg);
    case TIOCGWINSZ: mem.writeBytes(arg, encodeWinsize(tty.winsize)); return 0;
    case TIOCSWINSZ: tty.resize(decodeWinsize(mem.readBytes(arg, WINSIZE.size))); return 0;
    case TIOCGPGRP:
      if (!isControlling(tty.jc, tty, tty.job, t)) return -ENOTTY;
      mem.writeU32(arg, tty.job.pgrp);
      return 0;
    case TIOCSPGRP: return setForeground(tty, t, arg);
    case TIOCGSID:
      if (!isControlling(tty.jc, tty, tty.job, t)) return -ENOTTY;
      mem.writeU32(arg, tty.job.session);
      return 0;
    case TIOCSCTTY: return setControlling(tty, file, t, arg);
    case TIOCNOTTY: return noControlling(tty, t);
    case FIONREAD: mem.writeU32(arg, tty.ldisc.inq()); return 0;
    case TIOCOUTQ: mem.writeU32(arg, 0); return 0;
    case TCFLSH: return flush(tty, t, arg);
    case TCXONC: return flow(tty, t, arg);
    case TCSBRK: case TCSBRKP: case TIOCSBRK: case TIOCCBRK:
      // Output is written synchronously, so it has always drained; a console sends no break.
      return checkChange(tty.jc, tty, tty.job, t, SIGTTOU);
    case TIOCSTI: {
      if (!isControlling(tty.jc, tty, tty.job, t) && !tty.jc.isPrivileged(t)) return -EPERM;
      tty.ldisc.simulateInput(mem.readU8(arg));
      tty.wq.wake();
      return 0;
    }
    case TIOCGETD: mem.writeU32(arg, N_TTY); return 0;
    case TIOCSETD: return mem.readI32(arg) === N_TTY ? 0 : -EINVAL;
    case TIOCEXCL: tty.exclusive = true; return 0;
    case TIOCNXCL: tty.exclusive = false; return 0;
    case TIOCGEXCL: mem.writeU32(arg, tty.exclusive ? 1 : 0); return 0;
    case TIOCVHANGUP:
      if (!tty.jc.isPrivileged(t)) return -EPERM;
      tty.hangup();
      return 0;
    default:
      return -ENOTTY;
  }
}

/** set_termios: TCSETS* (termios), TCSETS*2 (termios2), TCSETA* (termio); the W forms drain, the F forms flush input. */
function setTermios(tty: Tty, t: TtyTask, cmd: number, arg: number): number {
  const r = checkChange(tty.jc, tty, tty.job, t, SIGTTOU);
  if (r !== 0) return r;
  const old = tty.ldisc.termios;
  let next: Termios;
  if (cmd === TCSETA || cmd === TCSETAW || cmd === TCSETAF) {
    next = decodeTermio(t.mem.readBytes(arg, TERMIO.size), old);
  } else {
    const two = cmd === TCSETS2 || cmd === TCSETSW2 || cmd === TCSETSF2;
    next = decodeTermios(t.mem.readBytes(arg, two ? TERMIOS2.size : TERMIOS.size), old, two);
  }
  if (cmd === TCSETSF || cmd === TCSETSF2 || cmd === TCSETAF) tty.ldisc.flushInput();
  tty.ldisc.setTermios(keepHardware(next, old));
  tty.wq.wake();
  return 0;
}

/** tiocspgrp. */
function setForeground(tty: Tty, t: TtyTask, arg: number): number {
  const r = checkChange(tty.jc, tty, tty.job, t, SIGTTOU);
  if (r === -EIO) return -ENOTTY;
  if (r !== 0) return r;
  const pgrp = t.mem.readI32(arg);
  if (pgrp < 0) return -EINVAL;
  if (!isControlling(tty.jc, tty, tty.job, t)) return -ENOTTY;
  const sid = tty.jc.sessionOfPgrp(pgrp);
  if (sid < 0) return -ESRCH;
  if (sid !== tty.jc.sessionOf(t)) return -EPERM;
  tty.job.pgrp = pgrp;
  return 0;
}

/** tiocsctty: a session leader without a controlling terminal takes this one (arg 1 + privilege steals it). */
function setControlling(tty: Tty, file: OpenFile, t: TtyTask, arg: number): number {
  const leader = tty.jc.isSessionLeader(t);
  if (leader && tty.jc.sessionOf(t) === tty.job.session) return 0;
  const ctty = tty.jc.cttyOf(t);
  const hasCtty = ctty !== null && ctty !== undefined && (ctty !== tty || isControlling(tty.jc, tty, tty.job, t));
  if (!leader || hasCtty) return -EPERM;
  if (tty.job.session !== 0) {
    if (arg !== 1 || !tty.jc.isPrivileged(t)) return -EPERM;
    // The old session loses the terminal: its processes' ctty links no longer match job.session.
  }
  if (!file.readable && !tty.jc.isPrivileged(t)) return -EPERM;
  tty.makeControllingTerminal(t);
  return 0;
}

/** TIOCNOTTY: a session leader gives the terminal up for the whole session (the foreground hears SIGHUP, SIGCONT). */
function noControlling(tty: Tty, t: TtyTask): number {
  if (!isControlling(tty.jc, tty, tty.job, t)) return -ENOTTY;
  if (tty.jc.isSessionLeader(t)) {
    const fg = tty.job.pgrp;
    if (fg !== 0) {
      tty.jc.signalPgrp(fg, SIGHUP);
      tty.jc.signalPgrp(fg, SIGCONT);
    }
    tty.job.session = 0;
    tty.job.pgrp = 0;
  }
  tty.jc.setCtty(t, null);
  return 0;
}

function flush(tty: Tty, t: TtyTask, arg: number): number {
  const r = checkChange(tty.jc, tty, tty.job, t, SIGTTOU);
  if (r !== 0) return r;
  switch (arg) {
    case TCIFLUSH: case TCIOFLUSH: tty.ldisc.flushInput(); break;
    case TCOFLUSH: break; // nothing is ever queued for output
    default: return -EINVAL;
  }
  tty.afterRead();
  tty.wq.wake();
  return 0;
}

/** TCXONC: suspend or restart output; TCIOFF/TCION would send STOP/START to a device and are accepted. */
function flow(tty: Tty, t: TtyTask, arg: number): number {
  const r = checkChange(tty.jc, tty, tty.job, t, SIGTTOU);
  if (r !== 0) return r;
  switch (arg) {
    case TCOOFF: tty.ldisc.stop(); break;
    case TCOON: tty.ldisc.start(); break;
    case TCIOFF: case TCION: break;
    default: return -EINVAL;
  }
  tty.wq.wake();
  return 0;
}

/**
 * Job control at the terminal: ISIG characters to the foreground process
 * group, SIGTTIN/SIGTTOU for background jobs (tty_check_change), and the
 * process-group and session ioctls with Linux's errors.
 */
import { expect } from 'chai';
import { EINVAL, EIO, ENOTTY, EPERM, ERESTARTSYS, ESRCH } from '../../../kernel/errno.js';
import { POLLHUP } from '../../../kernel/file.js';
import { SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH } from '../../../kernel/signal/defs.js';
import {
  NOFLSH, TCFLSH, TCIFLUSH, TIOCGPGRP, TIOCGSID, TIOCGWINSZ, TIOCNOTTY, TIOCSCTTY, TIOCSPGRP, TIOCSWINSZ, TOSTOP,
  VINTR, encodeWinsize,
} from '../../../kernel/tty/index.js';
import { ARG, type World, tcset, world } from './helpers.js';

/** A shell with a background job (pgrp 200) and a foreground job (pgrp 300), both in session 100. */
function jobs(): World & { bg: ReturnType<World['spawn']>; fg: ReturnType<World['spawn']> } {
  const w = world();
  const bg = w.spawn(200, 200);
  const fg = w.spawn(300, 300);
  bg.proc.ctty = fg.proc.ctty = w.tty;
  w.mem.writeU32(ARG, 300);
  expect(w.ioctl(TIOCSPGRP)).to.equal(0);
  return Object.assign(w, { bg, fg });
}

describe('tty job control', () => {
  it('^C, ^\\ and ^Z send SIGINT, SIGQUIT and SIGTSTP to the foreground group, echo, and flush the line', () => {
    const w = jobs();
    w.host.type('partial\x03');
    expect(w.jc.takeSignals()).to.deep.equal([[300, SIGINT]]);
    expect(w.host.take()).to.equal('partial^C');
    w.host.type('\r');
    expect(w.read(256, w.fg)).to.equal('\n');
    w.host.type('\x1c\x1a');
    expect(w.jc.takeSignals()).to.deep.equal([[300, SIGQUIT], [300, SIGTSTP]]);
  });

  it('NOFLSH keeps the typed input across a signal character', () => {
    const w = jobs();
    tcset(w, (t) => { t.lflag |= NOFLSH; }, w.fg);
    w.host.type('keep\x03\r');
    expect(w.read(256, w.fg)).to.equal('keep\n');
  });

  it('a disabled VINTR (0, as hush line editing sets it) makes ^C data; a NUL byte is never special', () => {
    const w = jobs();
    tcset(w, (t) => { t.cc[VINTR] = 0; }, w.fg);
    w.host.type('\x03\x00\r');
    expect(w.jc.signals).to.deep.equal([]);
    expect(w.read(256, w.fg)).to.equal('\x03\x00\n');
  });

  it('no signal goes out while the terminal has no foreground group', () => {
    const w = world();
    w.tty.job.pgrp = 0;
    w.host.type('\x03');
    expect(w.jc.signals).to.deep.equal([]);
  });

  it('a background read sends SIGTTIN to its group and restarts (ERESTARTSYS)', () => {
    const w = jobs();
    w.host.type('line\r');
    expect(w.read(256, w.bg)).to.equal(-ERESTARTSYS);
    expect(w.jc.takeSignals()).to.deep.equal([[200, SIGTTIN]]);
    expect(w.read(256, w.fg)).to.equal('line\n');
  });

  it('a background read fails with EIO when SIGTTIN is ignored or blocked, or the group is orphaned', () => {
    const w = jobs();
    w.bg.proc.ignored.add(SIGTTIN);
    expect(w.read(256, w.bg)).to.equal(-EIO);
    w.bg.proc.ignored.clear();
    w.bg.proc.blocked.add(SIGTTIN);
    expect(w.read(256, w.bg)).to.equal(-EIO);
    w.bg.proc.blocked.clear();
    w.jc.orphaned.add(200);
    expect(w.read(256, w.bg)).to.equal(-EIO);
    expect(w.jc.signals).to.deep.equal([]);
  });

  it('a process whose controlling terminal this is not reads without job control', () => {
    const w = jobs();
    const other = w.spawn(400, 400, 400);
    w.host.type('x\r');
    expect(w.read(256, other)).to.equal('x\n');
  });

  it('background writes go through unless TOSTOP; with TOSTOP they get SIGTTOU unless it is ignored', () => {
    const w = jobs();
    expect(w.write('bg output', w.bg)).to.equal(9);
    tcset(w, (t) => { t.lflag |= TOSTOP; }, w.fg);
    expect(w.write('bg output', w.bg)).to.equal(-ERESTARTSYS);
    expect(w.jc.takeSignals()).to.deep.equal([[200, SIGTTOU]]);
    expect(w.write('fg', w.fg)).to.equal(2);
    w.bg.proc.ignored.add(SIGTTOU);
    expect(w.write('ok', w.bg)).to.equal(2);
    w.bg.proc.ignored.clear();
    w.jc.orphaned.add(200);
    expect(w.write('x', w.bg)).to.equal(-EIO);
  });

  it('changing settings or flushing from the background sends SIGTTOU', () => {
    const w = jobs();
    expect(tcset(w, (t) => { t.lflag |= TOSTOP; }, w.bg)).to.equal(-ERESTARTSYS);
    expect(w.ioctl(TCFLSH, TCIFLUSH, w.bg)).to.equal(-ERESTARTSYS);
    expect(w.jc.takeSignals()).to.deep.equal([[200, SIGTTOU], [200, SIGTTOU]]);
    // Reading the settings is allowed from anywhere.
    expect(w.ioctl(TIOCGWINSZ, ARG, w.bg)).to.equal(0);
  });

  it('TIOCSPGRP from a background group sends SIGTTOU; with SIGTTOU blocked it succeeds, as shells rely on', () => {
    const w = jobs();
    w.mem.writeU32(ARG, 200);
    expect(w.ioctl(TIOCSPGRP, ARG, w.bg)).to.equal(-ERESTARTSYS);
    expect(w.jc.takeSignals()).to.deep.equal([[200, SIGTTOU]]);
    w.bg.proc.blocked.add(SIGTTOU);
    expect(w.ioctl(TIOCSPGRP, ARG, w.bg)).to.equal(0);
    expect(w.ioctl(TIOCGPGRP, ARG + 8, w.shell)).to.equal(0);
    expect(w.mem.readU32(ARG + 8)).to.equal(200);
  });

  it('TIOCSPGRP from an orphaned background group fails with ENOTTY (tiocspgrp turns EIO into ENOTTY)', () => {
    const w = jobs();
    w.jc.orphaned.add(200);
    w.mem.writeU32(ARG, 200);
    expect(w.ioctl(TIOCSPGRP, ARG, w.bg)).to.equal(-ENOTTY);
  });

  it('TIOCSPGRP checks its argument: EINVAL, ESRCH, EPERM; and ENOTTY when not the controlling terminal', () => {
    const w = world();
    w.mem.writeU32(ARG, -5 >>> 0);
    expect(w.ioctl(TIOCSPGRP)).to.equal(-EINVAL);
    w.mem.writeU32(ARG, 9999);
    expect(w.ioctl(TIOCSPGRP)).to.equal(-ESRCH);
    w.spawn(500, 500, 500);
    w.mem.writeU32(ARG, 500);
    expect(w.ioctl(TIOCSPGRP)).to.equal(-EPERM);
    const stranger = w.spawn(600, 600, 600);
    w.mem.writeU32(ARG, 600);
    expect(w.ioctl(TIOCSPGRP, ARG, stranger)).to.equal(-ENOTTY);
  });

  it('TIOCGPGRP and TIOCGSID answer the session members and give ENOTTY to others', () => {
    const w = jobs();
    expect(w.ioctl(TIOCGPGRP, ARG, w.bg)).to.equal(0);
    expect(w.mem.readU32(ARG)).to.equal(300);
    expect(w.ioctl(TIOCGSID, ARG, w.bg)).to.equal(0);
    expect(w.mem.readU32(ARG)).to.equal(100);
    const stranger = w.spawn(600, 600, 600);
    expect(w.ioctl(TIOCGPGRP, ARG, stranger)).to.equal(-ENOTTY);
    expect(w.ioctl(TIOCGSID, ARG, stranger)).to.equal(-ENOTTY);
  });

  it('TIOCSCTTY: only a session leader without a terminal gets it; stealing needs arg 1 and privilege', () => {
    const w = world();
    expect(w.ioctl(TIOCSCTTY, 0, w.shell), 'already ours').to.equal(0);
    const member = w.spawn(101, 100, 100);
    expect(w.ioctl(TIOCSCTTY, 0, member), 'not a leader').to.equal(-EPERM);
    const leader = w.spawn(700, 700, 700);
    expect(w.ioctl(TIOCSCTTY, 0, leader), 'held by session 100').to.equal(-EPERM);
    w.jc.privileged = false;
    expect(w.ioctl(TIOCSCTTY, 1, leader)).to.equal(-EPERM);
    w.jc.privileged = true;
    expect(w.ioctl(TIOCSCTTY, 1, leader)).to.equal(0);
    expect(w.tty.job).to.deep.equal({ session: 700, pgrp: 700 });
    expect(w.ioctl(TIOCGPGRP, ARG, w.shell), 'the old session lost it').to.equal(-ENOTTY);
    expect(w.ioctl(TIOCSCTTY, 0, w.shell), 'now held by session 700').to.equal(-EPERM);
  });

  it('TIOCNOTTY by the session leader hangs up the foreground and frees the terminal; by a member only detaches it', () => {
    const w = jobs();
    expect(w.ioctl(TIOCNOTTY, 0, w.bg)).to.equal(0);
    expect(w.bg.proc.ctty).to.equal(null);
    expect(w.ioctl(TIOCGPGRP, ARG, w.bg)).to.equal(-ENOTTY);
    expect(w.jc.signals).to.deep.equal([]);
    expect(w.ioctl(TIOCNOTTY, 0, w.shell)).to.equal(0);
    expect(w.jc.takeSignals()).to.deep.equal([[300, SIGHUP], [300, SIGCONT]]);
    expect(w.tty.job).to.deep.equal({ session: 0, pgrp: 0 });
    expect(w.ioctl(TIOCNOTTY, 0, w.shell)).to.equal(-ENOTTY);
  });

  it('a host resize sends SIGWINCH to the foreground group; TIOCSWINSZ does too, but only on a change', () => {
    const w = jobs();
    w.host.resize(50, 132);
    expect(w.jc.takeSignals()).to.deep.equal([[300, SIGWINCH]]);
    expect(w.ioctl(TIOCGWINSZ)).to.equal(0);
    expect([w.mem.readU16(ARG), w.mem.readU16(ARG + 2)]).to.deep.equal([50, 132]);
    w.host.resize(50, 132);
    expect(w.jc.signals).to.deep.equal([]);
    w.mem.writeBytes(ARG, encodeWinsize({ rows: 10, cols: 20, xpixel: 0, ypixel: 0 }));
    expect(w.ioctl(TIOCSWINSZ)).to.equal(0);
    expect(w.ioctl(TIOCSWINSZ)).to.equal(0);
    expect(w.jc.takeSignals()).to.deep.equal([[300, SIGWINCH]]);
    expect(w.tty.winsize).to.deep.equal({ rows: 10, cols: 20, xpixel: 0, ypixel: 0 });
  });

  it('the session leader exiting sends SIGHUP and SIGCONT to the foreground group and frees the terminal', () => {
    const w = jobs();
    w.tty.sessionLeaderExited(555);
    expect(w.jc.signals).to.deep.equal([]);
    w.tty.sessionLeaderExited(100);
    expect(w.jc.takeSignals()).to.deep.equal([[300, SIGHUP], [300, SIGCONT]]);
    expect(w.tty.job).to.deep.equal({ session: 0, pgrp: 0 });
  });

  it('the end of host input is a hangup: SIGHUP and SIGCONT to the session, reads 0, writes EIO', () => {
    const w = jobs();
    w.host.end();
    expect(w.jc.takeSignals()).to.deep.equal([[100, SIGHUP], [100, SIGCONT]]);
    expect(w.read(256, w.fg)).to.equal('');
    expect(w.write('x', w.fg)).to.equal(-EIO);
    expect(w.tty.poll() & POLLHUP).to.equal(POLLHUP);
    expect(w.ioctl(TIOCGWINSZ)).to.equal(-EIO);
    expect(w.ioctl(TIOCSPGRP)).to.equal(-ENOTTY);
  });
});

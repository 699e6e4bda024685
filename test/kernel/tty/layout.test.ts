/**
 * The terminal ABI checked against the C compilers: the kernel's uapi
 * headers (struct termios, termios2, termio, winsize; flag bits, c_cc
 * indices, ioctl numbers) and musl's userspace struct termios, whose first
 * 36 bytes are what TCGETS writes (musl's tcgetattr passes its own struct
 * straight to the ioctl).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as T from '../../../kernel/tty/index.js';
import { buildDir } from '../../../userspace/index.js';

const FLAGS = [
  'IGNBRK', 'BRKINT', 'IGNPAR', 'PARMRK', 'INPCK', 'ISTRIP', 'INLCR', 'IGNCR', 'ICRNL', 'IUCLC', 'IXON', 'IXANY',
  'IXOFF', 'IMAXBEL', 'IUTF8',
  'OPOST', 'OLCUC', 'ONLCR', 'OCRNL', 'ONOCR', 'ONLRET', 'OFILL', 'OFDEL', 'NLDLY', 'CRDLY', 'TABDLY', 'XTABS',
  'BSDLY', 'VTDLY', 'FFDLY',
  'CBAUD', 'B38400', 'CSIZE', 'CS8', 'CSTOPB', 'CREAD', 'PARENB', 'PARODD', 'HUPCL', 'CLOCAL', 'CIBAUD',
  'ISIG', 'ICANON', 'XCASE', 'ECHO', 'ECHOE', 'ECHOK', 'ECHONL', 'NOFLSH', 'TOSTOP', 'ECHOCTL', 'ECHOPRT', 'ECHOKE',
  'FLUSHO', 'PENDIN', 'IEXTEN', 'EXTPROC',
  'VINTR', 'VQUIT', 'VERASE', 'VKILL', 'VEOF', 'VTIME', 'VMIN', 'VSWTC', 'VSTART', 'VSTOP', 'VSUSP', 'VEOL',
  'VREPRINT', 'VDISCARD', 'VWERASE', 'VLNEXT', 'VEOL2', 'NCCS', 'NCC',
  'TCGETS', 'TCSETS', 'TCSETSW', 'TCSETSF', 'TCGETA', 'TCSETA', 'TCSETAW', 'TCSETAF', 'TCSBRK', 'TCXONC', 'TCFLSH',
  'TIOCEXCL', 'TIOCNXCL', 'TIOCSCTTY', 'TIOCGPGRP', 'TIOCSPGRP', 'TIOCOUTQ', 'TIOCSTI', 'TIOCGWINSZ', 'TIOCSWINSZ',
  'FIONREAD', 'TIOCINQ', 'TIOCNOTTY', 'TIOCSETD', 'TIOCGETD', 'TCSBRKP', 'TIOCSBRK', 'TIOCCBRK', 'TIOCGSID',
  'TCGETS2', 'TCSETS2', 'TCSETSW2', 'TCSETSF2', 'TIOCVHANGUP', 'TIOCGEXCL',
  'TCIFLUSH', 'TCOFLUSH', 'TCIOFLUSH', 'TCOOFF', 'TCOON', 'TCIOFF', 'TCION', 'N_TTY',
];

const fields = (s: string, names: string[]): string =>
  names.map((f) => `printf("${s}.${f} %zu\\n", offsetof(struct ${s}, ${f}));`).join('\n') +
  `\nprintf("${s}.size %zu\\n", sizeof(struct ${s}));`;

const TERMIOS_FIELDS = ['c_iflag', 'c_oflag', 'c_cflag', 'c_lflag', 'c_line', 'c_cc'];
const WINSIZE_FIELDS = ['ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel'];

const UAPI_PROGRAM = `
#include <asm/termios.h>
#include <asm/ioctls.h>
#include <linux/tty.h>
#include <stddef.h>
#include <stdio.h>
int main(void) {
${fields('termios', TERMIOS_FIELDS)}
${fields('termios2', [...TERMIOS_FIELDS, 'c_ispeed', 'c_ospeed'])}
${fields('termio', TERMIOS_FIELDS)}
${fields('winsize', WINSIZE_FIELDS)}
${FLAGS.map((f) => `printf("${f} %lu\\n", (unsigned long)(${f}));`).join('\n')}
  return 0;
}
`;

const MUSL_PROGRAM = `
#include <termios.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <stdio.h>
int main(void) {
${fields('termios', TERMIOS_FIELDS)}
${fields('winsize', WINSIZE_FIELDS)}
  printf("NCCS %d\\n", NCCS);
${['TCGETS', 'TCSETS', 'TCSETSW', 'TCSETSF', 'TIOCGWINSZ', 'TIOCSWINSZ', 'TIOCGPGRP', 'TIOCSPGRP', 'TIOCSCTTY', 'FIONREAD']
  .map((f) => `printf("${f} %lu\\n", (unsigned long)(${f}));`).join('\n')}
  return 0;
}
`;

/** Builds `source` with musl-gcc (static, so the host's loader does not matter) and runs it: name -> number. */
function cfacts(source: string, extra: string[]): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'nommu-tty-layout-'));
  try {
    writeFileSync(join(dir, 'p.c'), source);
    execFileSync('musl-gcc', ['-static', '-O0', ...extra, '-o', join(dir, 'p'), join(dir, 'p.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const out = execFileSync(join(dir, 'p'), { encoding: 'utf8' });
    return new Map(out.trim().split('\n').map((l) => { const [k, v] = l.split(' '); return [k, Number(v)]; }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tty ABI against the C headers', function () {
  this.timeout(120000);
  let uapi: Map<string, number>;
  let musl: Map<string, number>;

  before(() => {
    // The userland build links the kernel's uapi headers here for musl-gcc.
    uapi = cfacts(UAPI_PROGRAM, ['-isystem', join(buildDir(), 'uapi-include')]);
    musl = cfacts(MUSL_PROGRAM, []);
  });

  it('struct termios, termios2, termio and winsize match the kernel headers field by field', () => {
    const declared: Record<string, Record<string, number>> = {
      termios: T.TERMIOS, termios2: T.TERMIOS2, termio: T.TERMIO, winsize: T.WINSIZE,
    };
    for (const [s, layout] of Object.entries(declared)) {
      for (const [field, value] of Object.entries(layout)) {
        expect(value, `${s}.${field}`).to.equal(uapi.get(`${s}.${field}`));
      }
    }
    expect(T.TERMIOS.size).to.equal(36);
  });

  it('every flag bit, c_cc index and ioctl number matches the kernel headers', () => {
    const ours = T as unknown as Record<string, number>;
    for (const name of FLAGS) expect(ours[name], name).to.equal(uapi.get(name));
  });

  it("musl's struct termios begins with the kernel's layout, so TCGETS fills it correctly", () => {
    for (const f of TERMIOS_FIELDS) expect(musl.get(`termios.${f}`), f).to.equal(T.TERMIOS[f as keyof typeof T.TERMIOS]);
    expect(musl.get('termios.size'), "musl's struct is larger (60 bytes)").to.equal(60);
    expect(musl.get('NCCS')).to.be.greaterThanOrEqual(T.NCCS);
    for (const f of WINSIZE_FIELDS) expect(musl.get(`winsize.${f}`), f).to.equal(T.WINSIZE[f as keyof typeof T.WINSIZE]);
    expect(musl.get('winsize.size')).to.equal(T.WINSIZE.size);
    for (const name of ['TCGETS', 'TCSETS', 'TCSETSW', 'TCSETSF', 'TIOCGWINSZ', 'TIOCSWINSZ', 'TIOCGPGRP', 'TIOCSPGRP', 'TIOCSCTTY', 'FIONREAD']) {
      expect(musl.get(name), name).to.equal((T as unknown as Record<string, number>)[name]);
    }
  });
});

/**
 * The terminal ABI of x86-64 Linux: struct termios as the kernel reads and
 * writes it for TCGETS/TCSETS (include/uapi/asm-generic/termbits.h), the
 * termios2 and legacy termio variants, struct winsize, the c_cc indices and
 * the flag bits, and the settings a fresh tty starts with (tty_std_termios).
 *
 * The kernel's struct termios is 36 bytes (NCCS = 19). musl's userspace
 * struct termios is larger (NCCS = 32 plus __c_ispeed/__c_ospeed, 60 bytes)
 * but musl's tcgetattr passes it straight to ioctl(TCGETS): the kernel
 * fills the first 36 bytes, whose offsets coincide, and leaves the rest.
 * test/kernel/tty/layout.test.ts checks both against the C compilers.
 */

/** struct termios (the kernel's, for TCGETS/TCSETS*). */
export const TERMIOS = { size: 36, c_iflag: 0, c_oflag: 4, c_cflag: 8, c_lflag: 12, c_line: 16, c_cc: 17 } as const;
/** struct termios2 (TCGETS2/TCSETS2*): termios plus the two speeds. */
export const TERMIOS2 = { ...TERMIOS, size: 44, c_ispeed: 36, c_ospeed: 40 } as const;
/** struct termio (TCGETA/TCSETA*): 16-bit flags and 8 control characters. */
export const TERMIO = { size: 18, c_iflag: 0, c_oflag: 2, c_cflag: 4, c_lflag: 6, c_line: 8, c_cc: 9 } as const;
export const NCC = 8;
/** struct winsize. */
export const WINSIZE = { size: 8, ws_row: 0, ws_col: 2, ws_xpixel: 4, ws_ypixel: 6 } as const;
/** Number of control characters the kernel keeps. */
export const NCCS = 19;

/** c_cc indices. */
export const VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7;
export const VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14;
export const VLNEXT = 15, VEOL2 = 16;
/** A c_cc entry of 0 disables that character (_POSIX_VDISABLE). */
export const DISABLED_CHAR = 0;

/** c_iflag. */
export const IGNBRK = 0o1, BRKINT = 0o2, IGNPAR = 0o4, PARMRK = 0o10, INPCK = 0o20, ISTRIP = 0o40;
export const INLCR = 0o100, IGNCR = 0o200, ICRNL = 0o400, IUCLC = 0o1000, IXON = 0o2000, IXANY = 0o4000;
export const IXOFF = 0o10000, IMAXBEL = 0o20000, IUTF8 = 0o40000;

/** c_oflag. */
export const OPOST = 0o1, OLCUC = 0o2, ONLCR = 0o4, OCRNL = 0o10, ONOCR = 0o20, ONLRET = 0o40;
export const OFILL = 0o100, OFDEL = 0o200, NLDLY = 0o400, CRDLY = 0o3000, TABDLY = 0o14000, XTABS = 0o14000;
export const BSDLY = 0o20000, VTDLY = 0o40000, FFDLY = 0o100000;

/** c_cflag. */
export const CBAUD = 0o10017, B38400 = 0o17, CSIZE = 0o60, CS8 = 0o60, CSTOPB = 0o100, CREAD = 0o200;
export const PARENB = 0o400, PARODD = 0o1000, HUPCL = 0o2000, CLOCAL = 0o4000, CIBAUD = 0o2003600000;

/** c_lflag. */
export const ISIG = 0o1, ICANON = 0o2, XCASE = 0o4, ECHO = 0o10, ECHOE = 0o20, ECHOK = 0o40, ECHONL = 0o100;
export const NOFLSH = 0o200, TOSTOP = 0o400, ECHOCTL = 0o1000, ECHOPRT = 0o2000, ECHOKE = 0o4000;
export const FLUSHO = 0o10000, PENDIN = 0o40000, IEXTEN = 0o100000, EXTPROC = 0o200000;

/** The kernel's terminal settings (struct ktermios). */
export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  line: number;
  /** NCCS control characters. */
  cc: Uint8Array;
  ispeed: number;
  ospeed: number;
}

/** tty_std_termios: what `stty sane` on a fresh Linux tty shows (38400 baud, cs8, icanon, echo...). */
export function defaultTermios(): Termios {
  const cc = new Uint8Array(NCCS);
  // INIT_C_CC: ^C ^\ DEL ^U ^D time 0 min 1, swtc 0, ^Q ^S ^Z, eol 0, ^R ^O ^W ^V, eol2 0.
  cc.set([0x03, 0x1c, 0x7f, 0x15, 0x04, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0]);
  return {
    iflag: ICRNL | IXON,
    oflag: OPOST | ONLCR,
    cflag: B38400 | CS8 | CREAD | HUPCL,
    lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    line: 0,
    cc,
    ispeed: 38400,
    ospeed: 38400,
  };
}

export function copyTermios(t: Termios): Termios {
  return { ...t, cc: t.cc.slice() };
}


/** Encodes struct termios (36 bytes) or, with `two`, struct termios2 (44 bytes). */
export function encodeTermios(t: Termios, two = false): Uint8Array {
  const out = new Uint8Array(two ? TERMIOS2.size : TERMIOS.size);
  const dv = new DataView(out.buffer);
  dv.setUint32(TERMIOS.c_iflag, t.iflag >>> 0, true);
  dv.setUint32(TERMIOS.c_oflag, t.oflag >>> 0, true);
  dv.setUint32(TERMIOS.c_cflag, t.cflag >>> 0, true);
  dv.setUint32(TERMIOS.c_lflag, t.lflag >>> 0, true);
  out[TERMIOS.c_line] = t.line;
  out.set(t.cc.subarray(0, NCCS), TERMIOS.c_cc);
  if (two) {
    dv.setUint32(TERMIOS2.c_ispeed, t.ispeed >>> 0, true);
    dv.setUint32(TERMIOS2.c_ospeed, t.ospeed >>> 0, true);
  }
  return out;
}

/** Decodes struct termios or termios2; speeds come from `old` for the short form. */
export function decodeTermios(b: Uint8Array, old: Termios, two = false): Termios {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    iflag: dv.getUint32(TERMIOS.c_iflag, true),
    oflag: dv.getUint32(TERMIOS.c_oflag, true),
    cflag: dv.getUint32(TERMIOS.c_cflag, true),
    lflag: dv.getUint32(TERMIOS.c_lflag, true),
    line: b[TERMIOS.c_line],
    cc: b.slice(TERMIOS.c_cc, TERMIOS.c_cc + NCCS),
    ispeed: two ? dv.getUint32(TERMIOS2.c_ispeed, true) : old.ispeed,
    ospeed: two ? dv.getUint32(TERMIOS2.c_ospeed, true) : old.ospeed,
  };
}

/** struct termio: the low 16 bits of each flag word and the first NCC characters. */
export function encodeTermio(t: Termios): Uint8Array {
  const out = new Uint8Array(TERMIO.size);
  const dv = new DataView(out.buffer);
  dv.setUint16(TERMIO.c_iflag, t.iflag & 0xffff, true);
  dv.setUint16(TERMIO.c_oflag, t.oflag & 0xffff, true);
  dv.setUint16(TERMIO.c_cflag, t.cflag & 0xffff, true);
  dv.setUint16(TERMIO.c_lflag, t.lflag & 0xffff, true);
  out[TERMIO.c_line] = t.line;
  out.set(t.cc.subarray(0, NCC), TERMIO.c_cc);
  return out;
}

/** user_termio_to_kernel_termios: replaces the low 16 bits of each flag word and the first NCC characters. */
export function decodeTermio(b: Uint8Array, old: Termios): Termios {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const low = (o: number, v: number): number => ((o & ~0xffff) | v) >>> 0;
  const cc = old.cc.slice();
  cc.set(b.subarray(TERMIO.c_cc, TERMIO.c_cc + NCC));
  return {
    ...old,
    iflag: low(old.iflag, dv.getUint16(TERMIO.c_iflag, true)),
    oflag: low(old.oflag, dv.getUint16(TERMIO.c_oflag, true)),
    cflag: low(old.cflag, dv.getUint16(TERMIO.c_cflag, true)),
    lflag: low(old.lflag, dv.getUint16(TERMIO.c_lflag, true)),
    line: b[TERMIO.c_line],
    cc,
  };
}

/**
 * tty_termios_copy_hw: a virtual terminal has no line hardware, so the
 * hardware part of c_cflag (speed, character size, parity) and the speeds
 * keep their old values; HUPCL, CREAD and CLOCAL follow the caller.
 */
export function keepHardware(t: Termios, old: Termios): Termios {
  const soft = HUPCL | CREAD | CLOCAL;
  return { ...t, cflag: ((t.cflag & soft) | (old.cflag & ~soft)) >>> 0, ispeed: old.ispeed, ospeed: old.ospeed };
}

export interface Winsize { rows: number; cols: number; xpixel: number; ypixel: number }

export function encodeWinsize(w: Winsize): Uint8Array {
  const out = new Uint8Array(WINSIZE.size);
  const dv = new DataView(out.buffer);
  dv.setUint16(WINSIZE.ws_row, w.rows & 0xffff, true);
  dv.setUint16(WINSIZE.ws_col, w.cols & 0xffff, true);
  dv.setUint16(WINSIZE.ws_xpixel, w.xpixel & 0xffff, true);
  dv.setUint16(WINSIZE.ws_ypixel, w.ypixel & 0xffff, true);
  return out;
}

export function decodeWinsize(b: Uint8Array): Winsize {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    rows: dv.getUint16(WINSIZE.ws_row, true), cols: dv.getUint16(WINSIZE.ws_col, true),
    xpixel: dv.getUint16(WINSIZE.ws_xpixel, true), ypixel: dv.getUint16(WINSIZE.ws_ypixel, true),
  };
}

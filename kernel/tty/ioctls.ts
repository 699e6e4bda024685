/**
 * Terminal ioctl request numbers of x86-64 Linux (include/uapi/asm-generic/ioctls.h)
 * and their argument values.
 */
export const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404;
export const TCGETA = 0x5405, TCSETA = 0x5406, TCSETAW = 0x5407, TCSETAF = 0x5408;
export const TCSBRK = 0x5409, TCXONC = 0x540a, TCFLSH = 0x540b;
export const TIOCEXCL = 0x540c, TIOCNXCL = 0x540d, TIOCSCTTY = 0x540e;
export const TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCSTI = 0x5412;
export const TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
export const TIOCMGET = 0x5415, TIOCMBIS = 0x5416, TIOCMBIC = 0x5417, TIOCMSET = 0x5418;
export const FIONREAD = 0x541b, TIOCINQ = FIONREAD;
export const TIOCNOTTY = 0x5422, TIOCSETD = 0x5423, TIOCGETD = 0x5424, TCSBRKP = 0x5425;
export const TIOCSBRK = 0x5427, TIOCCBRK = 0x5428, TIOCGSID = 0x5429;
/** _IOR('T', 0x2A, struct termios2) and the _IOW setters. */
export const TCGETS2 = 0x802c542a, TCSETS2 = 0x402c542b, TCSETSW2 = 0x402c542c, TCSETSF2 = 0x402c542d;
export const TIOCVHANGUP = 0x5437;
/** _IOR('T', 0x40, int). */
export const TIOCGEXCL = 0x80045440;

/** TCFLSH arguments. */
export const TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;
/** TCXONC arguments. */
export const TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;
/** The only line discipline there is (TIOCGETD/TIOCSETD). */
export const N_TTY = 0;

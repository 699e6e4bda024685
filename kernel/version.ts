/** The kernel's identity as uname(2) and /proc/version report it. */
export const UTS_SYSNAME = 'Linux';
export const UTS_RELEASE = '6.1.0-nommu-um';
export const UTS_VERSION = '#1 nommu-um';
export const UTS_MACHINE = 'x86_64';

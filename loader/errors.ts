/**
 * The one error type of the loader: an errno as execve(2) would return it and a
 * precise reason. Every refusal in this folder is an ExecError; the kernel
 * turns it into -errno (the loader does not import the kernel's errno table).
 */

/** errno values (include/uapi/asm-generic/errno-base.h, errno.h). */
export const ENOENT = 2;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EINVAL = 22;
export const ENAMETOOLONG = 36;
export const ELOOP = 40;
export const ELIBBAD = 80;

export class ExecError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
    this.name = 'ExecError';
  }
}

/** Shorthand for the common case: a malformed or unsupported image. */
export function noexec(reason: string): ExecError {
  return new ExecError(ENOEXEC, reason);
}

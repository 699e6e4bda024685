/**
 * Small host-side helpers of hostfs: errno from Node's errors, the host
 * identity, the host mode for a guest mode, and the owner-access retry a
 * non-root host user needs where the guest (root) may act.
 */
import * as nfs from 'node:fs';
import { hostChanged } from './statmemo.js';
import { EIO } from '../errno.js';

export const HOST_UID = typeof process.getuid === 'function' ? process.getuid() : 0;
export const HOST_GID = typeof process.getgid === 'function' ? process.getgid() : 0;

/** A Node.js fs error as -errno (libuv codes outside errno become EIO). */
export function hostErr(e: unknown): number {
  const n = (e as NodeJS.ErrnoException)?.errno;
  if (typeof n === 'number' && n < 0 && n > -200) return n;
  return -EIO;
}

/** Host mode for a guest mode: permission bits only, owner access kept so the host user can still work. */
export function hostModeFor(guestMode: number, dir: boolean): number {
  return (guestMode & 0o777) | (dir ? 0o700 : 0o600);
}

/**
 * Runs a host operation; retries it after granting the host user rwx on
 * `paths` (restored after) when it failed with EACCES. Every operation of
 * hostfs that changes the host tree goes through here (`changes`, the
 * default) or calls hostChanged itself, so that lstat answers remembered
 * during the syscall are dropped (statmemo.ts); so does the retry, whose
 * chmods change the parents' ctime.
 */
export function withOwnerAccess<T>(paths: Buffer[], fn: () => T, changes = true): T {
  try {
    return fn();
  } catch (e) {
    hostChanged();
    if ((e as NodeJS.ErrnoException).code !== 'EACCES' || HOST_UID === 0) throw e;
    const saved: Array<[Buffer, number]> = [];
    for (const p of paths) {
      try {
        const st = nfs.lstatSync(p);
        if (st.uid !== HOST_UID || st.isSymbolicLink()) continue;
        const want = st.mode | (st.isDirectory() ? 0o700 : 0o600);
        if (want !== st.mode) { nfs.chmodSync(p, want & 0o7777); saved.push([p, st.mode & 0o7777]); }
      } catch { /* the retry reports the error */ }
    }
    try { return fn(); } finally { for (const [p, m] of saved) { try { nfs.chmodSync(p, m); } catch { /* gone */ } } }
  } finally {
    if (changes) hostChanged();
  }
}


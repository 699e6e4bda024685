/**
 * Identity and system information: the uid/gid family (the guest runs as
 * root by default), groups, capabilities, uname, hostname, sysinfo,
 * getrandom, resource limits, umask.
 */
import { EFAULT, EINVAL, EPERM, ESRCH } from '../errno.js';
import { UTS_MACHINE, UTS_RELEASE, UTS_SYSNAME, UTS_VERSION } from '../version.js';
import type { Cred, Process, Task } from '../task.js';
import { RLIMIT_NOFILE, RLIM_INFINITY, RLIM_NLIMITS } from '../task.js';
import { storeU64 } from '../../cpu/memory.js';

const isRoot = (c: Cred): boolean => c.euid === 0;
const enc = new TextEncoder(), dec = new TextDecoder();
/** -1 as an id argument means "unchanged". */
const NO_ID = 0xffffffff;

export const getuid = (t: Task): number => t.cred.uid;
export const geteuid = (t: Task): number => t.cred.euid;
export const getgid = (t: Task): number => t.cred.gid;
export const getegid = (t: Task): number => t.cred.egid;

export function setuid(t: Task, uid: number): number {
  const c = t.cred;
  const u = uid >>> 0;
  if (u === NO_ID) return -EINVAL;
  if (isRoot(c)) { c.uid = c.euid = c.suid = c.fsuid = u; return 0; }
  if (u !== c.uid && u !== c.suid) return -EPERM;
  c.euid = c.fsuid = u;
  return 0;
}

export function setgid(t: Task, gid: number): number {
  const c = t.cred;
  const g = gid >>> 0;
  if (g === NO_ID) return -EINVAL;
  if (isRoot(c)) { c.gid = c.egid = c.sgid = c.fsgid = g; return 0; }
  if (g !== c.gid && g !== c.sgid) return -EPERM;
  c.egid = c.fsgid = g;
  return 0;
}

export function setresuid(t: Task, ruid: number, euid: number, suid: number): number {
  const c = t.cred;
  const ids = [ruid >>> 0, euid >>> 0, suid >>> 0];
  if (!isRoot(c)) {
    for (const id of ids) if (id !== NO_ID && id !== c.uid && id !== c.euid && id !== c.suid) return -EPERM;
  }
  if (ids[0] !== NO_ID) c.uid = ids[0];
  if (ids[1] !== NO_ID) c.euid = ids[1];
  if (ids[2] !== NO_ID) c.suid = ids[2];
  c.fsuid = c.euid;
  return 0;
}

export function setresgid(t: Task, rgid: number, egid: number, sgid: number): number {
  const c = t.cred;
  const ids = [rgid >>> 0, egid >>> 0, sgid >>> 0];
  if (!isRoot(c)) {
    for (const id of ids) if (id !== NO_ID && id !== c.gid && id !== c.egid && id !== c.sgid) return -EPERM;
  }
  if (ids[0] !== NO_ID) c.gid = ids[0];
  if (ids[1] !== NO_ID) c.egid = ids[1];
  if (ids[2] !== NO_ID) c.sgid = ids[2];
  c.fsgid = c.egid;
  return 0;
}

export function setreuid(t: Task, ruid: number, euid: number): number {
  const c = t.cred;
  const r = ruid >>> 0, e = euid >>> 0;
  if (!isRoot(c)) {
    if (r !== NO_ID && r !== c.uid && r !== c.euid) return -EPERM;
    if (e !== NO_ID && e !== c.uid && e !== c.euid && e !== c.suid) return -EPERM;
  }
  const oldRuid = c.uid;
  if (r !== NO_ID) c.uid = r;
  if (e !== NO_ID) c.euid = e;
  if (r !== NO_ID || (e !== NO_ID && e !== oldRuid)) c.suid = c.euid;
  c.fsuid = c.euid;
  return 0;
}

export function setregid(t: Task, rgid: number, egid: number): number {
  const c = t.cred;
  const r = rgid >>> 0, e = egid >>> 0;
  if (!isRoot(c)) {
    if (r !== NO_ID && r !== c.gid && r !== c.egid) return -EPERM;
    if (e !== NO_ID && e !== c.gid && e !== c.egid && e !== c.sgid) return -EPERM;
  }
  const oldRgid = c.gid;
  if (r !== NO_ID) c.gid = r;
  if (e !== NO_ID) c.egid = e;
  if (r !== NO_ID || (e !== NO_ID && e !== oldRgid)) c.sgid = c.egid;
  c.fsgid = c.egid;
  return 0;
}

export function getresuid(t: Task, r: number, e: number, s: number): number {
  const c = t.cred;
  t.mem.writeU32(r, c.uid); t.mem.writeU32(e, c.euid); t.mem.writeU32(s, c.suid);
  return 0;
}

export function getresgid(t: Task, r: number, e: number, s: number): number {
  const c = t.cred;
  t.mem.writeU32(r, c.gid); t.mem.writeU32(e, c.egid); t.mem.writeU32(s, c.sgid);
  return 0;
}

/** setfsuid returns the previous fsuid whether or not it changed it. */
export function setfsuid(t: Task, uid: number): number {
  const c = t.cred;
  const old = c.fsuid;
  const u = uid >>> 0;
  if (isRoot(c) || u === c.uid || u === c.euid || u === c.suid || u === c.fsuid) {
    if (u !== NO_ID) c.fsuid = u;
  }
  return old;
}

export function setfsgid(t: Task, gid: number): number {
  const c = t.cred;
  const old = c.fsgid;
  const g = gid >>> 0;
  if (isRoot(c) || g === c.gid || g === c.egid || g === c.sgid || g === c.fsgid) {
    if (g !== NO_ID) c.fsgid = g;
  }
  return old;
}

const NGROUPS_MAX = 65536;

export function getgroups(t: Task, size: number, list: number): number {
  const g = t.cred.groups;
  const n = size | 0;
  if (n < 0) return -EINVAL;
  if (n === 0) return g.length;
  if (n < g.length) return -EINVAL;
  for (let i = 0; i < g.length; i++) t.mem.writeU32(list + 4 * i, g[i]);
  return g.length;
}

export function setgroups(t: Task, size: number, list: number): number {
  const n = size | 0;
  if (n < 0 || n > NGROUPS_MAX) return -EINVAL;
  if (!isRoot(t.cred)) return -EPERM;
  const g: number[] = [];
  for (let i = 0; i < n; i++) g.push(t.mem.readU32(list + 4 * i));
  t.cred.groups = [...new Set(g)].sort((a, b) => a - b);
  return 0;
}

const LINUX_CAPABILITY_VERSION_1 = 0x19980330, LINUX_CAPABILITY_VERSION_2 = 0x20071026, LINUX_CAPABILITY_VERSION_3 = 0x20080522;
/** CAP_LAST_CAP = 40 (CAP_CHECKPOINT_RESTORE): every capability bit of the two words. */
const CAP_FULL = [0xffffffff, 0x1ff];

export function capget(t: Task, hdr: number, data: number): number {
  const version = t.mem.readU32(hdr);
  const words = version === LINUX_CAPABILITY_VERSION_1 ? 1 : version === LINUX_CAPABILITY_VERSION_2 || version === LINUX_CAPABILITY_VERSION_3 ? 2 : 0;
  if (words === 0) {
    t.mem.writeU32(hdr, LINUX_CAPABILITY_VERSION_3);
    return data === 0 ? 0 : -EINVAL;
  }
  const pid = t.mem.readI32(hdr + 4);
  if (pid < 0) return -EINVAL;
  if (pid !== 0 && !t.kernel.processes.has(pid) && !t.kernel.tasks.has(pid)) return -ESRCH;
  if (data === 0) return 0;
  const root = isRoot(t.cred);
  for (let i = 0; i < words; i++) {
    const v = root ? CAP_FULL[i] : 0;
    t.mem.writeU32(data + 12 * i, v);
    t.mem.writeU32(data + 12 * i + 4, v);
    t.mem.writeU32(data + 12 * i + 8, 0);
  }
  return 0;
}

export function capset(t: Task, hdr: number): number {
  const version = t.mem.readU32(hdr);
  if (version !== LINUX_CAPABILITY_VERSION_1 && version !== LINUX_CAPABILITY_VERSION_2 && version !== LINUX_CAPABILITY_VERSION_3) {
    t.mem.writeU32(hdr, LINUX_CAPABILITY_VERSION_3);
    return -EINVAL;
  }
  const pid = t.mem.readI32(hdr + 4);
  if (pid !== 0 && pid !== t.pid) return -EPERM;
  return 0;
}

// --- system identity ---

/** struct utsname: six fields of 65 bytes. */
export const UTS_LEN = 65;

export function uname(t: Task, buf: number): number {
  const k = t.kernel;
  const out = new Uint8Array(UTS_LEN * 6);
  [UTS_SYSNAME, k.hostname, UTS_RELEASE, UTS_VERSION, UTS_MACHINE, k.domainname].forEach((s, i) => {
    out.set(enc.encode(s).subarray(0, UTS_LEN - 1), i * UTS_LEN);
  });
  t.mem.writeBytes(buf, out);
  return 0;
}

function readName(t: Task, addr: number, len: number): string | number {
  const n = len | 0;
  if (n < 0 || n > UTS_LEN - 1) return -EINVAL;
  if (!isRoot(t.cred)) return -EPERM;
  return dec.decode(t.mem.readBytes(addr, n));
}

export function sethostname(t: Task, name: number, len: number): number {
  const s = readName(t, name, len);
  if (typeof s === 'number') return s;
  t.kernel.hostname = s;
  return 0;
}

export function setdomainname(t: Task, name: number, len: number): number {
  const s = readName(t, name, len);
  if (typeof s === 'number') return s;
  t.kernel.domainname = s;
  return 0;
}

/** struct sysinfo (x86-64). */
export const SYSINFO = {
  uptime: 0, loads: 8, totalram: 32, freeram: 40, sharedram: 48, bufferram: 56, totalswap: 64, freeswap: 72,
  procs: 80, totalhigh: 88, freehigh: 96, memUnit: 104, size: 112,
} as const;

export function sysinfo(t: Task, info: number): number {
  const k = t.kernel;
  const b = new Uint8Array(SYSINFO.size);
  const dv = new DataView(b.buffer);
  const u64 = (off: number, v: number): void => storeU64(dv, off, v);
  u64(SYSINFO.uptime, Math.floor(k.clock.monotonicNs() / 1e9));
  u64(SYSINFO.totalram, k.pages.totalPages * 4096);
  u64(SYSINFO.freeram, k.pages.freePages * 4096);
  dv.setUint16(SYSINFO.procs, Math.min(0xffff, k.tasks.size), true);
  dv.setUint32(SYSINFO.memUnit, 1, true);
  t.mem.writeBytes(info, b);
  return 0;
}

const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

export function getrandom(t: Task, buf: number, len: number, flags: number): number {
  const f = flags >>> 0;
  if ((f & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0) return -EINVAL;
  if ((f & GRND_INSECURE) !== 0 && (f & GRND_RANDOM) !== 0) return -EINVAL;
  // MAX_RW_COUNT caps a single request.
  const n = Math.min(len < 0 ? 0x7ffff000 : len, 0x7ffff000, 1 << 25);
  if (n === 0) return 0;
  if (!t.mem.check(buf, n, 2)) return -EFAULT;
  t.mem.writeBytes(buf, t.kernel.randomBytes(n));
  return n;
}

// --- resource limits ---

/** RLIM_INFINITY is all ones in the 64-bit words. */
function writeLimit(t: Task, addr: number, v: number): void {
  if (v === RLIM_INFINITY) t.mem.writeU64Parts(addr, 0xffffffff, 0xffffffff);
  else t.mem.writeU64(addr, v);
}

function readLimit(t: Task, addr: number): number {
  const lo = t.mem.readU32(addr), hi = t.mem.readU32(addr + 4);
  if (hi >= 0x200000) return RLIM_INFINITY;
  return lo + hi * 0x1_0000_0000;
}

/** NR_OPEN: the most RLIMIT_NOFILE may be raised to. */
const NR_OPEN = 1 << 20;

function applyLimit(t: Task, p: Process, res: number, cur: number, max: number): number {
  if (cur > max) return -EINVAL;
  const old = p.rlimits[res];
  if (max > old[1] && !isRoot(t.cred)) return -EPERM;
  if (res === RLIMIT_NOFILE && max > NR_OPEN) return -EPERM;
  p.rlimits[res] = [cur, max];
  if (res === RLIMIT_NOFILE) {
    for (const x of p.threads) x.files.limit = cur === RLIM_INFINITY ? NR_OPEN : cur;
  }
  return 0;
}

export function prlimit64(t: Task, pid: number, resource: number, newp: number, oldp: number): number {
  const res = resource >>> 0;
  if (res >= RLIM_NLIMITS) return -EINVAL;
  const k = t.kernel;
  const p = (pid | 0) === 0 ? t.proc : k.tasks.get(pid | 0)?.proc ?? k.processes.get(pid | 0) ?? null;
  if (p === null || p.state !== 'alive') return -ESRCH;
  let next: [number, number] | null = null;
  if (newp !== 0) next = [readLimit(t, newp), readLimit(t, newp + 8)];
  if (oldp !== 0) {
    writeLimit(t, oldp, p.rlimits[res][0]);
    writeLimit(t, oldp + 8, p.rlimits[res][1]);
  }
  if (next !== null) return applyLimit(t, p, res, next[0], next[1]);
  return 0;
}

export function getrlimit(t: Task, resource: number, rlim: number): number {
  return prlimit64(t, 0, resource, 0, rlim);
}

export function setrlimit(t: Task, resource: number, rlim: number): number {
  return prlimit64(t, 0, resource, rlim, 0);
}

export function umask(t: Task, mask: number): number {
  const old = t.fs.umask;
  t.fs.umask = (mask >>> 0) & 0o777;
  return old;
}

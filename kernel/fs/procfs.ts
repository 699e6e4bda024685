/**
 * procfs: /proc built on demand from the kernel's state (a ProcSource) and
 * from the calling task (self, thread-self, and a fallback view of the
 * caller when no source knows it). Files are generated when opened and read
 * from that snapshot, as seq_file does. Links: fd/N, cwd and root are magic
 * (following jumps to the object itself); self, thread-self, mounts and exe
 * are plain symlinks whose text is a guest path.
 */
import { EACCES, EINVAL, ENOENT, ENOTDIR } from '../errno.js';
import { type FileOps, O_ACCMODE, O_RDONLY, O_WRONLY, OpenFile } from '../file.js';
import {
  type Attr, type DirEntry, type Inode, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type StatFs, SuperBlock,
  type Timespec, dtype, isDir, makedev, nowTimespec,
} from './inode.js';
import type { Loc, MountTable } from './mount.js';
import { pathOf } from './namei.js';
import { anonInodeNumber, fileLoc } from './openfile.js';
import {
  defaultCpuinfo, fdinfoText, loadavgText, mapsText, meminfoText, mountinfoText, mountsText, statText,
  statusText, uptimeText,
} from './procfmt.js';
import type { ProcSource, ProcTask } from './procsource.js';
import { seekIn } from './tmpfs.js';
import { notifyRelease } from './fsnotify.js';
import type { FsTask } from './task.js';

export const PROC_SUPER_MAGIC = 0x9fa0;
/** mnt_id shown in fdinfo for files with no mount (anon_inodefs). */
export const ANON_MNT_ID = 15;

export interface ProcEnv {
  readonly mounts: MountTable;
  source(): ProcSource | null;
}

interface Spec {
  mode: number;
  owner?: [number, number];
  names?(t: FsTask): string[];
  child?(name: string, t: FsTask): Spec | null;
  content?(t: FsTask): string | Uint8Array | number;
  write?(t: FsTask, data: Uint8Array): number;
  link?(t: FsTask): string | number;
  jump?(t: FsTask): { loc: Loc; path: string } | number;
}

const DIR = S_IFDIR | 0o555, FILE = S_IFREG | 0o444, LINK = S_IFLNK | 0o777;

export class ProcFs extends SuperBlock {
  readonly type = 'proc';
  readonly root: ProcNode;
  private readonly inos = new Map<string, number>();
  private nextIno = 2;
  readonly mountTime: Timespec = nowTimespec();

  constructor(readonly env: ProcEnv) {
    super(makedev(0, 22));
    this.inos.set('', 1);
    this.root = new ProcNode(this, 1, rootSpec(this), null, '', '');
  }

  inoFor(key: string): number {
    let n = this.inos.get(key);
    if (n === undefined) { n = this.nextIno++; this.inos.set(key, n); }
    return n;
  }

  statfs(): StatFs {
    return { type: PROC_SUPER_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, frsize: 4096, flags: 0x20 };
  }
}

export class ProcNode implements Inode {
  jump?: (t: FsTask) => { loc: Loc; path: string } | number;
  constructor(readonly sb: ProcFs, readonly ino: number, readonly spec: Spec, readonly up: ProcNode | null,
    readonly name: string, readonly key: string) {
    if (spec.jump !== undefined) this.jump = spec.jump;
  }

  getattr(): Attr {
    const [uid, gid] = this.spec.owner ?? [0, 0];
    const t = this.sb.mountTime;
    return {
      mode: this.spec.mode, nlink: isDir(this.spec.mode) ? 2 : 1, uid, gid, rdev: 0, size: 0,
      blksize: 1024, blocks: 0, atime: t, mtime: t, ctime: t,
    };
  }

  lookup(name: string, t: FsTask): Inode | number {
    if (this.spec.child === undefined) return -ENOTDIR;
    const s = this.spec.child(name, t);
    if (s === null) return -ENOENT;
    const key = `${this.key}/${name}`;
    return new ProcNode(this.sb, this.sb.inoFor(key), s, this, name, key);
  }
  parent(): Inode { return this.up ?? this; }
  dirName(): string { return this.name; }
  readdir(t: FsTask): DirEntry[] | number {
    if (this.spec.names === undefined) return -ENOTDIR;
    const out: DirEntry[] = [];
    for (const name of this.spec.names(t)) {
      const s = this.spec.child?.(name, t);
      if (s == null) continue;
      out.push({ name, ino: this.sb.inoFor(`${this.key}/${name}`), type: dtype(s.mode) });
    }
    return out;
  }
  readlink(t: FsTask): string | number {
    return this.spec.link === undefined ? -EINVAL : this.spec.link(t);
  }
  open(flags: number, t: FsTask): OpenFile | number {
    if ((this.spec.mode & S_IFMT) !== S_IFREG || this.spec.content === undefined) return -EINVAL;
    if ((flags & O_ACCMODE) !== O_RDONLY && this.spec.write === undefined) return -EACCES;
    const c = (flags & O_ACCMODE) === O_WRONLY ? '' : this.spec.content(t);
    if (typeof c === 'number') return c;
    const data = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
    return new OpenFile(procFileOps, flags, new ProcHandle(data, this.spec, t));
  }
}

class ProcHandle {
  constructor(readonly data: Uint8Array, readonly spec: Spec, readonly opener: FsTask) {}
}
const procFileOps: FileOps = {
  read(f, dst, pos) {
    const d = (f.priv as ProcHandle).data;
    if (pos >= d.length) return 0;
    const n = Math.min(dst.length, d.length - pos);
    dst.set(d.subarray(pos, pos + n));
    return n;
  },
  write(f, src) {
    const h = f.priv as ProcHandle;
    return h.spec.write === undefined ? -EINVAL : h.spec.write(h.opener, src);
  },
  seek(f, offset, whence) { return seekIn(f.pos, (f.priv as ProcHandle).data.length, offset, whence); },
  release(f, task) { notifyRelease(f, task); },
};

// ---------------------------------------------------------------- the tree

const file = (content: (t: FsTask) => string | Uint8Array | number, mode = FILE, owner?: [number, number]): Spec =>
  ({ mode, content, owner });
const link = (text: (t: FsTask) => string | number): Spec => ({ mode: LINK, link: text });
const dir = (entries: Record<string, Spec>): Spec => ({
  mode: DIR, names: () => Object.keys(entries), child: (n) => entries[n] ?? null,
});

function taskInfo(pfs: ProcFs, tid: number, t: FsTask): ProcTask | null {
  const src = pfs.env.source();
  const p = src?.task(tid) ?? null;
  if (p !== null) return p;
  if (tid === t.pid || tid === t.tid) return selfView(t);
  return null;
}

/** What the caller alone can tell about itself (no kernel source, or a source that does not know it yet). */
function selfView(t: FsTask): ProcTask {
  return {
    tid: t.tid, tgid: t.pid, ppid: 0, pgid: t.pid, sid: t.pid, ttyNr: 0, tpgid: -1, comm: 'task', state: 'R',
    cred: t.cred, fs: t.fs, files: t.files, exe: null, cmdline: new Uint8Array(0), environ: new Uint8Array(0),
    threads: [t.tid], utime: 0, stime: 0, cutime: 0, cstime: 0, startTime: 0, nice: 0, minflt: 0, majflt: 0,
    vmSize: 0, vmPeak: 0, vmRss: 0, vmHwm: 0, vmData: 0, vmStk: 0, vmExe: 0, vmLib: 0, maps: [],
    sigPending: 0n, shdPending: 0n, sigBlocked: 0n, sigIgnored: 0n, sigCaught: 0n,
    voluntaryCtxtSwitches: 0, nonvoluntaryCtxtSwitches: 0, startCode: 0, endCode: 0, startStack: 0, exitCode: 0,
  };
}

function tgidsOf(pfs: ProcFs, t: FsTask): number[] {
  const src = pfs.env.source();
  const list = src?.tgids() ?? [];
  return list.includes(t.pid) ? list : [...list, t.pid].sort((a, b) => a - b);
}

function rootSpec(pfs: ProcFs): Spec {
  const src = (): ProcSource | null => pfs.env.source();
  const fixed: Record<string, Spec> = {
    self: link((t) => String(t.pid)),
    'thread-self': link((t) => `${t.pid}/task/${t.tid}`),
    mounts: link(() => 'self/mounts'),
    cpuinfo: file(() => src()?.cpuinfo?.() ?? defaultCpuinfo()),
    meminfo: file(() => meminfoText(src()?.meminfo() ?? { totalKb: 0, freeKb: 0, availableKb: 0 })),
    uptime: file(() => { const u = src()?.uptime() ?? { seconds: process.uptime(), idleSeconds: 0 }; return uptimeText(u.seconds, u.idleSeconds); }),
    loadavg: file((t) => loadavgText(src()?.loadavg() ?? { one: 0, five: 0, fifteen: 0, running: 1, total: 1, lastPid: t.pid })),
    version: file(() => (src()?.version() ?? 'Linux version 6.1.0-nommu-um (nommu-um) #1') + '\n'),
    filesystems: file(() => 'nodev\tproc\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tpipefs\nnodev\thostfs\n'),
    stat: file((t) => statFile(pfs, t)),
    sys: dir({
      kernel: dir({
        hostname: file(() => (src()?.hostname() ?? 'nommu-um') + '\n', S_IFREG | 0o644),
        ostype: file(() => 'Linux\n'),
        osrelease: file(() => (src()?.osrelease() ?? '6.1.0-nommu-um') + '\n'),
        pid_max: file(() => '32768\n'),
        ngroups_max: file(() => '65536\n'),
      }),
      fs: dir({
        'pipe-max-size': file(() => '1048576\n'),
        'file-max': file(() => '9223372036854775807\n'),
      }),
    }),
  };
  return {
    mode: DIR,
    names: (t) => [...Object.keys(fixed), ...tgidsOf(pfs, t).map(String)],
    child: (name, t) => {
      if (/^[1-9][0-9]*$/.test(name)) {
        const tid = Number(name);
        const p = taskInfo(pfs, tid, t);
        return p === null ? null : { ...pidSpec(pfs, tid, true), owner: [p.cred.euid, p.cred.egid] };
      }
      return fixed[name] ?? null;
    },
  };
}

function statFile(pfs: ProcFs, t: FsTask): string {
  const s = pfs.env.source();
  const up = s?.uptime() ?? { seconds: process.uptime(), idleSeconds: 0 };
  const busy = Math.max(0, Math.round((up.seconds - up.idleSeconds) * 100));
  const idle = Math.round(up.idleSeconds * 100);
  const cpu = `${busy} 0 0 ${idle} 0 0 0 0 0 0`;
  const la = s?.loadavg() ?? { running: 1, total: 1, lastPid: t.pid };
  return `cpu  ${cpu}\ncpu0 ${cpu}\nintr 0\nctxt 0\nbtime ${s?.bootTime() ?? Math.floor(Date.now() / 1000 - process.uptime())}\n` +
    `processes ${la.lastPid}\nprocs_running ${la.running}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n`;
}

/** /proc/PID (group = true) or /proc/PID/task/TID. */
function pidSpec(pfs: ProcFs, tid: number, group: boolean): Spec {
  const info = (t: FsTask): ProcTask | null => taskInfo(pfs, tid, t);
  const gone = -ENOENT;
  const owner = (t: FsTask): [number, number] => { const p = info(t); return p === null ? [0, 0] : [p.cred.euid, p.cred.egid]; };
  const withInfo = (fn: (p: ProcTask, t: FsTask) => string | Uint8Array | number) => (t: FsTask) => {
    const p = info(t);
    return p === null ? gone : fn(p, t);
  };
  const fsLink = (which: 'cwd' | 'root'): Spec => {
    const target = (t: FsTask): Loc | number => {
      const p = info(t);
      return p === null || p.fs === null ? -ENOENT : which === 'cwd' ? p.fs.cwd : p.fs.root;
    };
    return {
      mode: LINK,
      link: (t) => { const l = target(t); return typeof l === 'number' ? l : pathOf(l, t.fs.root); },
      jump: (t) => { const l = target(t); return typeof l === 'number' ? l : { loc: l, path: pathOf(l, t.fs.root) }; },
    };
  };
  const fdOf = (t: FsTask, name: string): OpenFile | null => {
    if (!/^(0|[1-9][0-9]*)$/.test(name)) return null;
    return info(t)?.files?.get(Number(name)) ?? null;
  };
  const fdNames = (t: FsTask): string[] => {
    const files = info(t)?.files;
    return files == null ? [] : [...files.entries()].map(([fd]) => String(fd));
  };
  const fdDir: Spec = {
    mode: S_IFDIR | 0o500,
    names: fdNames,
    child: (name, t) => {
      const f = fdOf(t, name);
      if (f === null) return null;
      const acc = f.flags & O_ACCMODE;
      const perm = (acc !== O_WRONLY ? 0o500 : 0o100) | (acc !== O_RDONLY ? 0o200 : 0);
      // A file with no guest object (the boot console before setConsole) is reached through its path text instead.
      return {
        mode: S_IFLNK | perm,
        owner: owner(t),
        link: (rt) => { const g = fdOf(rt, name); return g === null ? -ENOENT : fdLinkText(g, rt); },
        jump: fileLoc(f) === undefined ? undefined : (rt) => {
          const g = fdOf(rt, name);
          if (g === null) return -ENOENT;
          const loc = fileLoc(g);
          return loc === undefined ? -ENOENT : { loc, path: fdLinkText(g, rt) };
        },
      };
    },
  };
  const fdinfoDir: Spec = {
    mode: S_IFDIR | 0o555,
    names: fdNames,
    child: (name, t) => fdOf(t, name) === null ? null : file((rt) => {
      const f = fdOf(rt, name);
      const files = info(rt)?.files;
      if (f === null || files == null) return -ENOENT;
      const loc = fileLoc(f);
      const cloexec = files.getCloexec(Number(name));
      return fdinfoText(f, cloexec, loc?.mnt.id ?? ANON_MNT_ID, loc?.inode.ino ?? anonInodeNumber(f));
    }, FILE, owner(t)),
  };
  const entries: Record<string, (t: FsTask) => Spec> = {
    exe: () => link(withInfo((p) => p.exe ?? -ENOENT) as (t: FsTask) => string | number),
    cwd: () => fsLink('cwd'),
    root: () => fsLink('root'),
    fd: (t) => ({ ...fdDir, owner: owner(t) }),
    fdinfo: (t) => ({ ...fdinfoDir, owner: owner(t) }),
    cmdline: (t) => file(withInfo((p) => p.cmdline), FILE, owner(t)),
    environ: (t) => file(withInfo((p) => p.environ), S_IFREG | 0o400, owner(t)),
    stat: (t) => file(withInfo((p) => statText(p, p.threads.length)), FILE, owner(t)),
    status: (t) => file(withInfo((p) => statusText(p, p.fs?.umask ?? null, fdSize(p))), FILE, owner(t)),
    maps: (t) => file(withInfo((p) => mapsText(p.maps)), FILE, owner(t)),
    mounts: (t) => file(withInfo((p) => p.fs === null ? '' : mountsText(pfs.env.mounts, p.fs.root)), FILE, owner(t)),
    mountinfo: (t) => file(withInfo((p) => p.fs === null ? '' : mountinfoText(pfs.env.mounts, p.fs.root)), FILE, owner(t)),
    comm: (t) => file(withInfo((p) => p.comm + '\n'), S_IFREG | 0o644, owner(t)),
  };
  if (group) {
    entries.task = (t) => ({
      mode: DIR,
      owner: owner(t),
      names: (rt) => (info(rt)?.threads ?? []).map(String),
      child: (name, rt) => {
        const p = info(rt);
        return p !== null && p.threads.includes(Number(name)) ? pidSpec(pfs, Number(name), false) : null;
      },
    });
  }
  return {
    mode: DIR,
    names: () => Object.keys(entries),
    child: (name, t) => (info(t) === null ? null : entries[name]?.(t) ?? null),
    owner: [0, 0],
  };
}

function fdSize(p: ProcTask): number {
  const n = p.files?.size ?? 0;
  let s = 64;
  while (s < n) s *= 2;
  return s;
}

/** What readlink(/proc/PID/fd/N) shows: the guest path, or pipe:[ino] / anon_inode:[kind]. */
export function fdLinkText(f: OpenFile, reader: FsTask): string {
  const loc = fileLoc(f);
  const a = loc?.inode.getattr();
  if (loc !== undefined && a !== undefined && typeof a !== 'number' && isDir(a.mode)) return pathOf(loc, reader.fs.root);
  return f.path !== '' ? f.path : 'anon_inode:[unknown]';
}

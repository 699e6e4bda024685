/**
 * Test fixtures for kernel/fs: a host sandbox (a guest root with sentinel
 * files around it), a fake FsTask over real GuestMemory, and a way to call
 * the syscall handlers exactly as the guest would (arguments in registers,
 * strings and structs in guest memory, MemoryFault -> -EFAULT as the
 * dispatcher does).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
import { GuestMemory, MemoryFault } from '../../../cpu/memory.js';
import { FdTable, FsState, Vfs, fsCalls, rootCred } from '../../../kernel/fs/index.js';
import type { Cred, FsTask, FsCallName } from '../../../kernel/fs/index.js';
import type { WaitQueue } from '../../../kernel/wait.js';
import type { VfsOptions } from '../../../kernel/fs/vfs.js';

export function repoRoot(): string {
  let d = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(d, 'package.json'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error('repository root not found');
    d = up;
  }
  return d;
}

/** A temp dir holding outside/ (sentinels) and root/ (the guest root, with its own files). */
export class Sandbox {
  readonly dir: string;
  readonly root: string;
  readonly outside: string;
  constructor() {
    this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nommu-fs-')));
    this.outside = path.join(this.dir, 'outside');
    this.root = path.join(this.dir, 'root');
    fs.mkdirSync(path.join(this.outside, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(this.outside, 'secret.txt'), 'host secret\n');
    fs.writeFileSync(path.join(this.outside, 'sub', 'file'), 'outside sub file\n');
    fs.writeFileSync(path.join(this.dir, 'sibling.txt'), 'next to the root\n');
    fs.mkdirSync(path.join(this.root, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(this.root, 'bin'));
    fs.mkdirSync(path.join(this.root, 'home', 'user'), { recursive: true });
    fs.writeFileSync(path.join(this.root, 'etc', 'hostname'), 'guest\n');
    fs.writeFileSync(path.join(this.root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(this.root, 'bin', 'prog'), '\x7fELF-not-really\n', { mode: 0o755 });
  }
  /** Everything outside the root: path -> type, mode, size, mtime and content. */
  snapshotOutside(): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (p: string): void => {
      for (const name of fs.readdirSync(p)) {
        const full = path.join(p, name);
        if (full === this.root || full === this.root + '.meta.json') continue;
        const st = fs.lstatSync(full);
        let content = '';
        if (st.isFile()) content = fs.readFileSync(full, 'latin1');
        else if (st.isSymbolicLink()) content = fs.readlinkSync(full);
        out.set(full, `${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${content}`);
        if (st.isDirectory()) walk(full);
      }
    };
    walk(this.dir);
    return out;
  }
  cleanup(): void { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

const require = createRequire(import.meta.url);
const cjsFs = require('node:fs') as Record<string, unknown>;
const PATH_FNS = ['openSync', 'lstatSync', 'statSync', 'readlinkSync', 'readdirSync', 'mkdirSync', 'rmdirSync',
  'unlinkSync', 'renameSync', 'linkSync', 'symlinkSync', 'chmodSync', 'truncateSync', 'utimesSync',
  'lutimesSync', 'realpathSync', 'readFileSync', 'writeFileSync', 'statfsSync'];

/** Records every host path the fs module is asked about while fn runs (Node's ESM fs bindings are synced to the patch). */
export function recordHostPaths<T>(fn: () => T): { result: T; paths: string[] } {
  const saved = new Map<string, unknown>();
  const paths: string[] = [];
  for (const name of PATH_FNS) {
    const orig = cjsFs[name] as (...a: unknown[]) => unknown;
    saved.set(name, orig);
    cjsFs[name] = function (this: unknown, ...args: unknown[]) {
      // symlinkSync's first argument is the link text, not a path the host resolves.
      const p = name === 'symlinkSync' ? undefined : args[0];
      if (typeof p === 'string') paths.push(p);
      else if (Buffer.isBuffer(p)) paths.push(p.toString('latin1'));
      if (name === 'renameSync' || name === 'linkSync' || name === 'symlinkSync') {
        const q = args[1];
        if (typeof q === 'string') paths.push(q); else if (Buffer.isBuffer(q)) paths.push(q.toString('latin1'));
      }
      return orig.apply(this, args);
    };
  }
  syncBuiltinESMExports();
  try {
    return { result: fn(), paths };
  } finally {
    for (const [name, f] of saved) cjsFs[name] = f;
    syncBuiltinESMExports();
  }
}

const MEM = 16 * 1024 * 1024;
const SCRATCH = 0x100000;

/** A task as kernel/fs sees it, with a bump allocator in guest memory. */
export class FakeTask implements FsTask {
  readonly mem: GuestMemory;
  files = new FdTable();
  fs: FsState;
  cred: Cred = rootCred();
  waits: WaitQueue[] = [];
  deadline = Infinity;
  pending = false;
  signals: number[] = [];
  masks: Array<[number, number]> = [];
  private brk = SCRATCH;

  constructor(readonly vfs: Vfs, readonly pid = 100, readonly tid = pid, mem?: GuestMemory) {
    this.mem = mem ?? new GuestMemory(MEM);
    this.fs = vfs.newFsState();
  }

  waitOn(q: WaitQueue): void { this.waits.push(q); }
  waitDeadline(ns: number): void { this.deadline = Math.min(this.deadline, ns); }
  signalPending(): boolean { return this.pending; }
  sendSignal(sig: number): void { this.signals.push(sig); }
  setTemporarySigmask(lo: number, hi: number): void { this.masks.push([lo, hi]); }

  alloc(n: number): number {
    const p = this.brk;
    this.brk += (n + 15) & ~15;
    if (this.brk > MEM) throw new Error('fake task scratch memory exhausted');
    return p;
  }
  /** A NUL-terminated byte string in guest memory. */
  str(s: string): number {
    const b = Buffer.from(s + '\0', 'latin1');
    const p = this.alloc(b.length);
    this.mem.writeBytes(p, b);
    return p;
  }
  bytes(data: Uint8Array | string): number {
    const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const p = this.alloc(Math.max(1, b.length));
    this.mem.writeBytes(p, b);
    return p;
  }
  read(p: number, n: number): string { return Buffer.from(this.mem.readBytes(p, n)).toString('latin1'); }
  cstr(p: number): string { const n = this.mem.strlen(p, 1 << 16); return this.read(p, n); }
  resetWaits(): void { this.waits = []; this.deadline = Infinity; }

  /** Calls a handler the way the dispatcher does. */
  sys(name: FsCallName, ...args: number[]): number {
    const a = [...args, 0, 0, 0, 0, 0, 0];
    try {
      return fsCalls[name](this, a[0], a[1], a[2], a[3], a[4], a[5]);
    } catch (e) {
      if (e instanceof MemoryFault) return -14;
      throw e;
    }
  }

  // Conveniences built on sys().
  open(p: string, flags = 0, mode = 0o644): number { return this.sys('openat', -100, this.str(p), flags, mode); }
  write(fd: number, data: string): number { return this.sys('write', fd, this.bytes(data), Buffer.byteLength(data, 'latin1')); }
  readStr(fd: number, n = 4096): string | number {
    const buf = this.alloc(n);
    const r = this.sys('read', fd, buf, n);
    return r < 0 ? r : this.read(buf, r);
  }
  /** Whole file through open/read/close; -errno on failure. */
  cat(p: string): string | number {
    const fd = this.open(p);
    if (fd < 0) return fd;
    let out = '';
    for (;;) {
      const s = this.readStr(fd, 65536);
      if (typeof s === 'number') { this.sys('close', fd); return s; }
      if (s === '') break;
      out += s;
    }
    this.sys('close', fd);
    return out;
  }
  readlink(p: string): string | number {
    const buf = this.alloc(4096);
    const r = this.sys('readlink', this.str(p), buf, 4096);
    return r < 0 ? r : this.read(buf, r);
  }
  getcwd(): string | number {
    const buf = this.alloc(4096);
    const r = this.sys('getcwd', buf, 4096);
    return r < 0 ? r : this.read(buf, r - 1);
  }
  /** getdents64 names of an open directory fd. */
  list(fd: number): string[] {
    const names: string[] = [];
    const buf = this.alloc(8192);
    for (;;) {
      const n = this.sys('getdents64', fd, buf, 8192);
      if (n <= 0) { if (n < 0) throw new Error(`getdents64: ${n}`); break; }
      for (let off = 0; off < n;) {
        const reclen = this.mem.readU16(buf + off + 16);
        names.push(this.cstr(buf + off + 19));
        off += reclen;
      }
    }
    return names;
  }
  ls(p: string): string[] | number {
    const fd = this.open(p, 0o200000);
    if (fd < 0) return fd;
    const names = this.list(fd);
    this.sys('close', fd);
    return names.sort();
  }
  /** struct stat fields of a path (newfstatat with flags). */
  stat(p: string, flags = 0): { mode: number; size: number; nlink: number; uid: number; gid: number; ino: number; dev: number; rdev: number } | number {
    const buf = this.alloc(144);
    const r = this.sys('newfstatat', -100, this.str(p), buf, flags);
    if (r < 0) return r;
    return {
      dev: this.mem.readU64(buf), ino: this.mem.readU64(buf + 8), nlink: this.mem.readU64(buf + 16),
      mode: this.mem.readU32(buf + 24), uid: this.mem.readU32(buf + 28), gid: this.mem.readU32(buf + 32),
      rdev: this.mem.readU64(buf + 40), size: this.mem.readU64(buf + 48),
    };
  }
}

/** A sandbox and a Vfs over its root (ownership records in memory unless asked). */
export function makeWorld(opts: Partial<VfsOptions> = {}): { sb: Sandbox; vfs: Vfs; task: (pid?: number) => FakeTask } {
  const sb = new Sandbox();
  const vfs = new Vfs({ root: sb.root, rootMeta: null, ...opts });
  return { sb, vfs, task: (pid = 100) => new FakeTask(vfs, pid) };
}

/** O_* values for tests. */
export const O = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000, APPEND: 0o2000,
  NONBLOCK: 0o4000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000, CLOEXEC: 0o2000000, PATH: 0o10000000,
} as const;

export const E = {
  EPERM: -1, ENOENT: -2, EINTR: -4, EIO: -5, ENXIO: -6, EBADF: -9, EAGAIN: -11, EACCES: -13, EFAULT: -14,
  EBUSY: -16, EEXIST: -17, EXDEV: -18, ENOTDIR: -20, EISDIR: -21, EINVAL: -22, EMFILE: -24, ENOTTY: -25,
  ENOSPC: -28, ESPIPE: -29, EROFS: -30, EPIPE: -32, ERANGE: -34, ENAMETOOLONG: -36, ENOTEMPTY: -39,
  ELOOP: -40, EOPNOTSUPP: -95, EDEADLK: -35, ERESTARTSYS: -512, ERESTARTNOHAND: -514,
} as const;

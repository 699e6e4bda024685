/**
 * execve without an MMU (fs/exec.c, fs/binfmt_script.c, binfmt_elf_fdpic's
 * rules): resolve the file, follow `#!` lines, accept only PIE (ET_DYN)
 * images, copy the executable and its interpreter into freshly allocated RAM
 * with their syscall sites rewritten (zpoline), build a fixed-size stack,
 * and only then — past the point of no return — let go of the old image,
 * close close-on-exec fds, reset handled signals and wake a vfork parent.
 */
import { CpuContext } from '../cpu/context.js';
import {
  AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_FLAGS, AT_GID, AT_HWCAP, AT_MINSIGSTKSZ, AT_PAGESZ,
  AT_PHDR, AT_PHENT, AT_PHNUM, AT_SECURE, AT_UID, ExecError, buildInitialStack, checkLoadable, imageSpan,
  parseShebang, placeImage,
} from '../loader/index.js';
import type { ElfImage, MappedImage } from '../loader/index.js';
import { PAGE_SIZE } from '../trampoline/layout.js';
import { E2BIG, ELOOP, ENOEXEC, ENOMEM } from './errno.js';
import { releaseChildTid } from './exit.js';
import type { Kernel } from './kernel.js';
import { Mm, PROT_EXEC, PROT_READ, PROT_WRITE } from './mm.js';
import { resetFpu } from './signal/frame.js';
import { SS_DISABLE } from './signal/defs.js';
import type { Task } from './task.js';
import { TaskState } from './task.js';

/** MAX_ARG_PAGES * PAGE_SIZE: the most argument and environment bytes a nommu exec takes. */
export const MAX_ARG_BYTES = 32 * PAGE_SIZE;
/** BINPRM_MAX_RECURSION: script -> interpreter nesting. */
const MAX_SCRIPT_DEPTH = 4;
/** CPUID.1:EDX bits the simulated CPU has: FPU TSC CX8 CMOV MMX FXSR SSE SSE2. */
const HWCAP = 0x0780_8111;
/** AT_MINSIGSTKSZ: an rt_sigframe plus the fxsave image and alignment. */
const MINSIGSTKSZ = 2048;

const enc = new TextEncoder();
/** The registers a new program starts from (copied, never written): no context allocated per exec. */
const RESET_REGS = new CpuContext();
const dec = new TextDecoder();

interface Opened { bytes: Uint8Array; identity: { dev: number; ino: number; size: number; mtimeMs: number }; path: string }
interface Loaded extends Opened { elf: ElfImage }

function open(k: Kernel, t: Task, path: string): Opened | number {
  const r = k.vfs.openExec(t, path);
  if (typeof r === 'number') return r;
  return { bytes: r.bytes, identity: r.identity, path: r.guestPath };
}

/** Parses (once per file: the image cache) and applies the PIE-only rule; -ENOEXEC (or the loader's errno) when refused. */
function parse(k: Kernel, o: Opened): Loaded | number {
  try {
    const elf = k.siteCache.images.parse(o.identity, o.bytes);
    checkLoadable(elf);
    return { ...o, elf };
  } catch (e) {
    if (e instanceof ExecError) return -e.errno;
    throw e;
  }
}

const cstr = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? enc.encode(s) : s);

function joinNul(list: Uint8Array[]): Uint8Array {
  const n = list.reduce((a, s) => a + s.length + 1, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const s of list) { out.set(s, o); o += s.length + 1; }
  return out;
}

/**
 * Replaces t's program. `filename` is the path as the caller gave it; argv
 * and envp are already copied out of guest memory. Returns 0 (t now runs the
 * new image) or -errno (nothing changed).
 */
export function execve(k: Kernel, t: Task, filename: string, argv: Uint8Array[], envp: Uint8Array[]): number {
  let total = 0;
  for (const s of argv) total += s.length + 1;
  for (const s of envp) total += s.length + 1;
  if (total > MAX_ARG_BYTES) return -E2BIG;

  // Resolve, following #! lines.
  let path = filename;
  let args = argv;
  let exe: Opened | number = open(k, t, path);
  for (let depth = 0; ; depth++) {
    if (typeof exe === 'number') return exe;
    let sb: ReturnType<typeof parseShebang>;
    try { sb = parseShebang(exe.bytes); } catch (e) {
      if (e instanceof ExecError) return -e.errno;
      throw e;
    }
    if (sb === null) break;
    if (depth >= MAX_SCRIPT_DEPTH) return -ELOOP;
    const rest = args.slice(1);
    args = [cstr(sb.interpreter), ...(sb.arg !== null ? [cstr(sb.arg)] : []), cstr(path), ...rest];
    path = sb.interpreter;
    exe = open(k, t, path);
  }
  const main = parse(k, exe);
  if (typeof main === 'number') return main;
  let interp: Loaded | null = null;
  if (main.elf.interp !== null) {
    const r = open(k, t, main.elf.interp);
    if (typeof r === 'number') return r;
    const l = parse(k, r);
    if (typeof l === 'number') return l;
    interp = l;
  }
  total = 0;
  for (const s of args) total += s.length + 1;
  if (total > MAX_ARG_BYTES) return -E2BIG;

  // Build the new image in a new Mm; nothing of the old one is touched until it all fits.
  // Released pages keep their bytes, so code the CPU decoded there stays right; whoever writes there next
  // notifies it (GuestMemory.notifyWrite), and placeImage rewrites only pages that differ. An image exec'd
  // again at the same base thus keeps its compiled blocks.
  const mm = new Mm(k.pages, () => {});
  const fail = (e: number): number => { mm.releaseAll(); return e; };
  const place = (l: Loaded): MappedImage | number => {
    const span = imageSpan(l.elf);
    const at = mm.map(span.size, {
      prot: PROT_READ | PROT_WRITE | PROT_EXEC, shared: false, kind: 'image', name: l.path, offset: 0,
      dev: l.identity.dev, ino: l.identity.ino,
    }, span.align);
    if (at < 0) return -ENOMEM;
    try {
      const img = k.siteCache.images.prepare(l.identity, l.elf, l.bytes, k.syscallPath === 'zpoline');
      const m = placeImage(k.mem, img, at - span.start);
      k.stats.sitesRewritten += m.sites;
      k.stats.execPagesWritten += m.pagesWritten;
      k.stats.execPagesKept += img.bytes.length / PAGE_SIZE - m.pagesWritten;
      return m;
    } catch (e) {
      if (e instanceof ExecError) return -e.errno;
      throw e;
    }
  };
  const me = place(main);
  if (typeof me === 'number') return fail(me);
  let mi: MappedImage | null = null;
  if (interp !== null) {
    const r = place(interp);
    if (typeof r === 'number') return fail(r);
    mi = r;
  }
  const stackBytes = k.stackBytes + Math.ceil((total + 8 * (args.length + envp.length) + 1024) / PAGE_SIZE) * PAGE_SIZE;
  const stackLow = mm.map(stackBytes, {
    prot: PROT_READ | PROT_WRITE | (me.stackExecutable ? PROT_EXEC : 0), shared: false, kind: 'stack',
    name: '[stack]', offset: 0, dev: 0, ino: 0,
  });
  if (stackLow < 0) return fail(-ENOMEM);
  const stackTop = stackLow + stackBytes;
  const cred = t.cred;
  let rsp: number;
  try {
    rsp = buildInitialStack(k.mem, stackLow, stackTop, {
      argv: args, envp,
      auxv: [
        [AT_MINSIGSTKSZ, MINSIGSTKSZ], [AT_HWCAP, HWCAP], [AT_PAGESZ, PAGE_SIZE], [AT_CLKTCK, 100],
        [AT_PHDR, me.phdr], [AT_PHENT, me.phent], [AT_PHNUM, me.phnum], [AT_BASE, mi?.base ?? 0], [AT_FLAGS, 0],
        [AT_ENTRY, me.entry], [AT_UID, cred.uid], [AT_EUID, cred.euid], [AT_GID, cred.gid], [AT_EGID, cred.egid],
        [AT_SECURE, 0],
      ],
      execfn: filename,
      random: k.randomBytes(16),
    });
  } catch (e) {
    if (e instanceof ExecError) return fail(e.errno === ENOEXEC ? -ENOEXEC : -e.errno);
    throw e;
  }

  // --- point of no return ---
  const p = t.proc;
  deThread(k, t);
  // A vfork child shares its parent's memory: the child-tid word there is cleared as the mm is left.
  if (p.mm.users > 1) releaseChildTid(k, t);
  t.clearChildTid = 0;
  t.robustList = 0;
  k.releaseMm(p.mm);
  p.mm = mm;
  mm.brk = me.end;
  mm.startStack = rsp;
  if (k.filesShared(t.files)) {
    const own = t.files.clone();
    k.dropFiles(t);
    t.files = own;
    k.holdFiles(own);
  }
  t.files.closeOnExec(t);
  if (p.threads.length > 1 || k.sighandShared(p)) p.sighand = p.sighand.clone();
  p.sighand.resetForExec();
  t.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
  p.exe = main.path;
  const base = dec.decode(cstr(filename)).split('/').pop() ?? '';
  t.comm = base.slice(0, 15);
  p.cmdline = joinNul(args);
  p.environ = joinNul(envp);
  p.didExec = true;
  if (p.vforkDone !== null) {
    const q = p.vforkDone;
    p.vforkDone = null;
    q.wake();
  }
  const r = t.regs;
  r.copyFrom(RESET_REGS);
  r.rip = mi !== null ? mi.entry : me.entry;
  r.setReg(4, rsp);
  r.setRflagsRaw(0x202);
  r.fsBase = 0;
  r.gsBase = 0;
  resetFpu(r);
  t.origRax = -1;
  k.stats.execs++;
  return 0;
}

/** de_thread: the other threads of the process die; the exec'ing thread becomes the leader. */
function deThread(k: Kernel, t: Task): void {
  const p = t.proc;
  for (const other of [...p.threads]) {
    if (other === t || other.state === TaskState.Dead) continue;
    k.exitThread(other);
  }
  if (t.tid !== p.pid) {
    k.tasks.delete(t.tid);
    t.tid = p.pid;
    k.tasks.set(t.tid, t);
  }
  p.threads.length = 0;
  p.threads.push(t);
}

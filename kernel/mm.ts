/**
 * Memory without an MMU (mm/nommu.c): one address space shared by every
 * process, a page allocator over guest RAM, and per-process lists of the
 * regions each process owns (its images, its stack, its mmaps) so that they
 * are returned when the process exits or execs and so /proc/PID/maps can
 * list them.
 */
import { PAGE_SIZE } from '../trampoline/layout.js';
import { ENOMEM } from './errno.js';

/** First-fit allocator of page runs with coalescing on free. Page 0 is the trampoline and never handed out. */
export class PageAllocator {
  /** Free runs [start, start+len) in pages, sorted by start, never adjacent (coalesced). */
  private runs: Array<{ start: number; len: number }>;
  readonly totalPages: number;
  private free = 0;

  constructor(readonly memBytes: number, firstPage = 1) {
    this.totalPages = Math.floor(memBytes / PAGE_SIZE);
    this.runs = [{ start: firstPage, len: this.totalPages - firstPage }];
    this.free = this.totalPages - firstPage;
  }

  get freePages(): number { return this.free; }

  /**
   * Allocates `bytes` (rounded up to pages) at an address aligned to `align`
   * (a power of two, at least a page). Returns the address or -ENOMEM.
   */
  alloc(bytes: number, align = PAGE_SIZE): number {
    const pages = Math.ceil(bytes / PAGE_SIZE);
    if (!(pages > 0)) return -ENOMEM;
    const alignPages = Math.max(1, Math.floor(align / PAGE_SIZE));
    for (let i = 0; i < this.runs.length; i++) {
      const r = this.runs[i];
      const start = Math.ceil(r.start / alignPages) * alignPages;
      const end = start + pages;
      if (end > r.start + r.len) continue;
      const before = start - r.start;
      const after = r.start + r.len - end;
      const parts: Array<{ start: number; len: number }> = [];
      if (before > 0) parts.push({ start: r.start, len: before });
      if (after > 0) parts.push({ start: end, len: after });
      this.runs.splice(i, 1, ...parts);
      this.free -= pages;
      return start * PAGE_SIZE;
    }
    return -ENOMEM;
  }

  /** Returns [addr, addr+bytes) (page-aligned) to the free pool. */
  release(addr: number, bytes: number): void {
    const start = Math.floor(addr / PAGE_SIZE);
    const len = Math.ceil(bytes / PAGE_SIZE);
    if (len <= 0) return;
    let lo = 0, hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.runs[mid].start < start) lo = mid + 1; else hi = mid;
    }
    const prev = this.runs[lo - 1];
    const next = this.runs[lo];
    if ((prev !== undefined && prev.start + prev.len > start) || (next !== undefined && start + len > next.start)) {
      throw new Error(`kernel bug: double free of pages [${start}, ${start + len})`);
    }
    this.free += len;
    if (prev !== undefined && prev.start + prev.len === start) {
      prev.len += len;
      if (next !== undefined && prev.start + prev.len === next.start) {
        prev.len += next.len;
        this.runs.splice(lo, 1);
      }
    } else if (next !== undefined && start + len === next.start) {
      next.start = start;
      next.len += len;
    } else {
      this.runs.splice(lo, 0, { start, len });
    }
  }

  /** Whether every page of [addr, addr+bytes) is free and could be taken at once (mremap in place). */
  isFree(addr: number, bytes: number): boolean {
    const start = Math.floor(addr / PAGE_SIZE);
    const end = start + Math.ceil(bytes / PAGE_SIZE);
    return this.runs.some((r) => r.start <= start && end <= r.start + r.len);
  }

  /** Takes exactly [addr, addr+bytes) out of the free pool (it must be free). */
  take(addr: number, bytes: number): void {
    const start = Math.floor(addr / PAGE_SIZE);
    const len = Math.ceil(bytes / PAGE_SIZE);
    const i = this.runs.findIndex((r) => r.start <= start && start + len <= r.start + r.len);
    if (i < 0) throw new Error(`kernel bug: taking pages [${start}, ${start + len}) that are not free`);
    const r = this.runs[i];
    const parts: Array<{ start: number; len: number }> = [];
    if (start > r.start) parts.push({ start: r.start, len: start - r.start });
    if (r.start + r.len > start + len) parts.push({ start: start + len, len: r.start + r.len - start - len });
    this.runs.splice(i, 1, ...parts);
    this.free -= len;
  }
}

export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
export const MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_TYPE = 0x0f, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x100, MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000, MAP_FIXED_NOREPLACE = 0x100000;
export const MAP_UNINITIALIZED = 0x4000000;

export type VmaKind = 'image' | 'stack' | 'anon' | 'file';

/** One mapped range of a process (a vm_area_struct). */
export interface Vma {
  start: number;
  end: number;
  prot: number;
  /** MAP_SHARED or MAP_PRIVATE. */
  shared: boolean;
  kind: VmaKind;
  /** For /proc/PID/maps: the guest path of the file, "[stack]", or ''. */
  name: string;
  /** File offset of `start` for file mappings. */
  offset: number;
  dev: number;
  ino: number;
}

/**
 * The memory a process owns (an mm_struct). Shared by the threads of a
 * process and, until it execs or exits, by a vfork child; freed when the last
 * user leaves.
 */
export class Mm {
  users = 1;
  /** Sorted by start, non-overlapping. */
  readonly vmas: Vma[] = [];
  /** brk never grows on nommu; start_brk == brk, the end of the executable's image. */
  brk = 0;
  /** For /proc: where the stack and the arguments live. */
  startStack = 0;
  argStart = 0; argEnd = 0; envStart = 0; envEnd = 0;

  constructor(
    private readonly pages: PageAllocator,
    /** Called for every range given back, so the CPU drops code it decoded there. */
    private readonly onRelease: (addr: number, len: number) => void,
  ) {}

  /** Allocates a new region and records it; the address or -ENOMEM. Contents are not cleared. */
  map(len: number, v: Omit<Vma, 'start' | 'end'>, align = PAGE_SIZE): number {
    const bytes = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    const addr = this.pages.alloc(bytes, align);
    if (addr < 0) return addr;
    this.insert({ ...v, start: addr, end: addr + bytes });
    return addr;
  }

  private insert(vma: Vma): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < vma.start) i++;
    this.vmas.splice(i, 0, vma);
  }

  /** The region holding addr, or null. */
  find(addr: number): Vma | null {
    for (const v of this.vmas) if (addr >= v.start && addr < v.end) return v;
    return null;
  }

  /** The region starting exactly at addr, or null. */
  findExact(addr: number): Vma | null {
    return this.vmas.find((v) => v.start === addr) ?? null;
  }

  /** Gives [start, end) of a region back (whole or part) and adjusts the region list. */
  unmapRange(v: Vma, start: number, end: number): void {
    const i = this.vmas.indexOf(v);
    if (i < 0) return;
    const parts: Vma[] = [];
    if (start > v.start) parts.push({ ...v, end: start });
    if (end < v.end) parts.push({ ...v, start: end, offset: v.offset + (end - v.start) });
    this.vmas.splice(i, 1, ...parts);
    this.pages.release(start, end - start);
    this.onRelease(start, end - start);
  }

  /** Grows region v in place to newEnd if the pages after it are free. */
  growInPlace(v: Vma, newEnd: number): boolean {
    if (!this.pages.isFree(v.end, newEnd - v.end)) return false;
    this.pages.take(v.end, newEnd - v.end);
    v.end = newEnd;
    return true;
  }

  /** Total bytes mapped (VmSize). */
  get totalBytes(): number {
    return this.vmas.reduce((n, v) => n + (v.end - v.start), 0);
  }

  /** Returns every region to the allocator (the last user left). */
  releaseAll(): void {
    for (const v of this.vmas.splice(0)) {
      this.pages.release(v.start, v.end - v.start);
      this.onRelease(v.start, v.end - v.start);
    }
  }
}

/**
 * Cache of syscall-site lists by file identity (device, inode, size, mtime),
 * in memory and on disk, so that starting another process from the same file
 * does not disassemble libc again. The disk cache is an optimisation only: a
 * missing, unreadable, stale or corrupt entry is ignored and rewritten, and a
 * failure to write is ignored too. Entries read back are checked against the
 * file's bytes before use.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElfImage } from './elf-types.js';
import { ImageCache } from './image-cache.js';
import { findSyscallSites, siteMatchesFile } from './sites.js';
import type { SyscallSite } from './sites.js';

export interface FileIdentity { dev: number; ino: number; size: number; mtimeMs: number }

/** Bump when the scanner's results could change, so old disk entries miss. */
const FORMAT = 'nommu-um-sites-1';

interface DiskEntry {
  format: string;
  identity: FileIdentity;
  sites: Array<{ offset: number; symbol: string | null; original: string; kind: string }>;
}

function keyOf(id: FileIdentity): string {
  return `${id.dev}:${id.ino}:${id.size}:${id.mtimeMs}`;
}

function sameIdentity(a: unknown, b: FileIdentity): boolean {
  if (typeof a !== 'object' || a === null) return false;
  const o = a as Record<string, unknown>;
  return o.dev === b.dev && o.ino === b.ino && o.size === b.size && o.mtimeMs === b.mtimeMs;
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** The sites of a disk entry, or null when it is not a well-formed entry for this identity. */
function decodeEntry(text: string, id: FileIdentity): SyscallSite[] | null {
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { return null; }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const e = parsed as Partial<DiskEntry>;
  if (e.format !== FORMAT || !sameIdentity(e.identity, id) || !Array.isArray(e.sites)) return null;
  const out: SyscallSite[] = [];
  for (const s of e.sites as unknown[]) {
    if (typeof s !== 'object' || s === null) return null;
    const r = s as Record<string, unknown>;
    if (typeof r.offset !== 'number' || !Number.isSafeInteger(r.offset) || r.offset < 0) return null;
    if (r.symbol !== null && typeof r.symbol !== 'string') return null;
    if (r.kind !== 'syscall' && r.kind !== 'sysenter') return null;
    if (typeof r.original !== 'string' || !/^[0-9a-f]{4}$/.test(r.original)) return null;
    out.push({ offset: r.offset, symbol: r.symbol, kind: r.kind, original: Uint8Array.from(Buffer.from(r.original, 'hex')) });
  }
  return out;
}

export class SiteCache {
  readonly stats = { memoryHits: 0, diskHits: 0, scans: 0 };
  private readonly memory = new Map<string, SyscallSite[]>();
  /** Parsed and prepared images by the same identities (memory only), built on these site lists. */
  readonly images = new ImageCache(this);

  /** diskDir: where entries are kept (the kernel passes build/cache); null for memory only. */
  constructor(readonly diskDir: string | null) {}

  /** The sites of the file with this identity, whose parsed image and bytes are given. */
  sites(id: FileIdentity, elf: ElfImage, bytes: Uint8Array): SyscallSite[] {
    const key = keyOf(id);
    const hit = this.memory.get(key);
    if (hit !== undefined) {
      this.stats.memoryHits++;
      return hit;
    }
    // An identity that does not describe these bytes cannot key anything.
    const cacheable = id.size === bytes.length;
    const fromDisk = cacheable ? this.readDisk(id, elf, bytes) : null;
    if (fromDisk !== null) {
      this.stats.diskHits++;
      this.memory.set(key, fromDisk);
      return fromDisk;
    }
    this.stats.scans++;
    const sites = findSyscallSites(elf, bytes);
    if (cacheable) {
      this.memory.set(key, sites);
      this.writeDisk(id, sites);
    }
    return sites;
  }

  private path(id: FileIdentity): string | null {
    if (this.diskDir === null) return null;
    // One file per (device, inode): a changed file replaces its old entry.
    return join(this.diskDir, `sites-${id.dev}-${id.ino}.json`);
  }

  private readDisk(id: FileIdentity, elf: ElfImage, bytes: Uint8Array): SyscallSite[] | null {
    const path = this.path(id);
    if (path === null) return null;
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch { return null; }
    const sites = decodeEntry(text, id);
    if (sites === null || !sites.every((s) => siteMatchesFile(elf, bytes, s))) return null;
    return sites;
  }

  private writeDisk(id: FileIdentity, sites: SyscallSite[]): void {
    const path = this.path(id);
    if (path === null || this.diskDir === null) return;
    const entry: DiskEntry = {
      format: FORMAT,
      identity: { dev: id.dev, ino: id.ino, size: id.size, mtimeMs: id.mtimeMs },
      sites: sites.map((s) => ({ offset: s.offset, symbol: s.symbol, original: toHex(s.original), kind: s.kind })),
    };
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(this.diskDir, { recursive: true });
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, path); // atomic: a concurrent reader sees the old or the new entry, never half
    } catch {
      // The cache is an optimisation; a read-only or full disk must not fail exec.
    }
  }
}

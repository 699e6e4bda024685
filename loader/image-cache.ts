/**
 * The rewritten-image cache (DESIGN.md decision 8): per file identity, the
 * parsed ELF and the prepared image (image.ts) for each syscall path, so a
 * second exec of the same file neither parses its headers and symbol tables
 * nor lays out and rewrites its image again. An entry is used only when the
 * file's bytes are the very bytes it was made from (one native compare), so
 * a file rewritten within the identity's mtime resolution is still seen.
 * Entries are dropped least recently used first past a byte budget.
 */
import { Buffer } from 'node:buffer';
import type { SiteCache, FileIdentity } from './cache.js';
import { parseElf } from './elf.js';
import type { ElfImage } from './elf-types.js';
import { prepareImage } from './image.js';
import type { PreparedImage } from './image.js';

/** Default budget: file bytes plus prepared images kept (a few BusyBox-sized programs). */
export const IMAGE_CACHE_BYTES = 64 << 20;

interface Entry {
  file: Uint8Array;
  elf: ElfImage;
  /** [trap path (no rewriting), zpoline path]. */
  prepared: [PreparedImage | null, PreparedImage | null];
  bytes: number;
}

export class ImageCache {
  readonly stats = { parseHits: 0, parses: 0, prepareHits: 0, prepares: 0 };
  /** Map order is recency: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(private readonly sites: SiteCache, readonly maxBytes = IMAGE_CACHE_BYTES) {}

  /** The parsed image of these file bytes (throws ExecError like parseElf). */
  parse(id: FileIdentity, file: Uint8Array): ElfImage {
    const e = this.lookup(id, file);
    if (e !== null) {
      this.stats.parseHits++;
      return e.elf;
    }
    this.stats.parses++;
    const elf = parseElf(file);
    // An identity that does not describe these bytes cannot key anything.
    if (id.size === file.length) this.store(keyOf(id), { file, elf, prepared: [null, null], bytes: file.length });
    return elf;
  }

  /** The image ready to place: sites rewritten when `rewrite` (zpoline), none otherwise (trap path). */
  prepare(id: FileIdentity, elf: ElfImage, file: Uint8Array, rewrite: boolean): PreparedImage {
    const e = this.lookup(id, file);
    const slot = rewrite ? 1 : 0;
    if (e !== null && e.elf === elf) {
      const hit = e.prepared[slot];
      if (hit !== null) {
        this.stats.prepareHits++;
        return hit;
      }
    }
    this.stats.prepares++;
    const img = prepareImage(elf, file, rewrite ? this.sites.sites(id, elf, file) : null);
    if (e !== null && e.elf === elf) {
      e.prepared[slot] = img;
      e.bytes += img.bytes.length;
      this.total += img.bytes.length;
      this.evict(keyOf(id));
    }
    return img;
  }

  /** Bytes held (file copies and prepared images). */
  get size(): number { return this.total; }

  private lookup(id: FileIdentity, file: Uint8Array): Entry | null {
    const key = keyOf(id);
    const e = this.entries.get(key);
    if (e === undefined) return null;
    if (e.file !== file) {
      if (e.file.length !== file.length || Buffer.compare(e.file, file) !== 0) {
        this.drop(key, e);
        return null;
      }
      // The same bytes: keep the newest buffer, so the next lookup of this exec (prepare) is a reference check.
      e.file = file;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  private store(key: string, e: Entry): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.drop(key, old);
    this.entries.set(key, e);
    this.total += e.bytes;
    this.evict(key);
  }

  /** Least recently used entries go until the budget holds (never the one just used). */
  private evict(keep: string): void {
    for (const [key, e] of this.entries) {
      if (this.total <= this.maxBytes) return;
      if (key !== keep) this.drop(key, e);
    }
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.total -= e.bytes;
  }
}

function keyOf(id: FileIdentity): string {
  return `${id.dev}:${id.ino}:${id.size}:${id.mtimeMs}`;
}

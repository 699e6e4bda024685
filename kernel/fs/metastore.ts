/**
 * Ownership and mode bits that the host cannot (or must not) store for a
 * hostfs mount: the guest runs as root over files the host user owns, may
 * chown them to anyone, may set setuid bits (never applied on the host) and
 * may create FIFOs, sockets and device nodes (kept on the host as empty
 * placeholder files whose guest type, and device number, live here).
 *
 * Records are keyed by host inode number, so hard links share one and
 * renames keep it. Persistence (optional, used for the default root): a JSON
 * file outside the guest tree; each record also remembers a path below the
 * mount root, and a record is only reloaded if that path still has the same
 * inode (and birth time, where the host keeps one), so a rebuilt rootfs never
 * inherits stale entries; in use, a record whose birth time no longer
 * matches is ignored. Writes to the file
 * are coalesced (at most one per 50 ms) and forced by flush() (sync, fsync,
 * shutdown).
 */
import * as nfs from 'node:fs';

export interface MetaRec {
  uid?: number; gid?: number; mode?: number;
  /** st_rdev (new_encode_dev) of a device node kept as a placeholder file. */
  rdev?: number;
  path: string;
  /** The host file's birth time (ns, decimal) when the host has one: inode numbers are reused, birth times are not. */
  btime?: string;
}

/** Version 1 throughout: rdev is an optional field that older files simply lack. */
interface Persisted { version: 1; entries: Array<{ ino: number } & MetaRec> }

const FIELDS = ['uid', 'gid', 'mode', 'rdev'] as const;
type Fields = { [K in typeof FIELDS[number]]?: number | null };

export class MetaStore {
  private readonly recs = new Map<number, MetaRec>();
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  /** Set after a failed save: the store goes on in memory, and the error is reported once. */
  private broken = false;
  /** The file exists (loaded or saved): an empty store is only written over an existing one, so a run that needed no records leaves nothing beside the root. */
  private onDisk = false;

  constructor(readonly file: string | null, validate: (path: string, ino: number, btime: string | undefined) => boolean) {
    if (file === null) return;
    let text: string;
    try { text = nfs.readFileSync(file, 'utf8'); } catch { return; }
    this.onDisk = true;
    try {
      const data = JSON.parse(text) as Persisted;
      if (data.version !== 1 || !Array.isArray(data.entries)) return;
      for (const e of data.entries) {
        if (typeof e.ino !== 'number' || typeof e.path !== 'string') continue;
        if (!validate(e.path, e.ino, typeof e.btime === 'string' ? e.btime : undefined)) continue;
        const rec: MetaRec = { path: e.path };
        if (typeof e.btime === 'string') rec.btime = e.btime;
        for (const k of FIELDS) if (typeof e[k] === 'number') rec[k] = e[k];
        this.recs.set(e.ino, rec);
      }
    } catch {
      // A corrupt store is ignored (and rewritten on the next change): ownership falls back to the host's.
    }
  }

  /** The record of ino, if it belongs to the file born at btime ("0": the host does not say). */
  get(ino: number, btime: string): MetaRec | undefined {
    const r = this.recs.get(ino);
    if (r === undefined || r.btime === undefined || btime === '0' || r.btime === btime) return r;
    return undefined;
  }

  /** Merges fields into the record of ino (undefined fields are removed); drops empty records. */
  update(ino: number, btime: string, path: string, fields: Fields): void {
    const rec: MetaRec = { ...(this.get(ino, btime) ?? { path }), path };
    if (btime !== '0') rec.btime = btime; else delete rec.btime;
    for (const k of FIELDS) {
      const v = fields[k];
      if (v === null) delete rec[k];
      else if (v !== undefined) rec[k] = v;
    }
    if (FIELDS.every((k) => rec[k] === undefined)) this.recs.delete(ino);
    else this.recs.set(ino, rec);
    this.changed();
  }

  delete(ino: number): void {
    if (this.recs.delete(ino)) this.changed();
  }

  /** Keeps remembered paths current when the guest renames (so the next load still validates). */
  renamed(oldPath: string, newPath: string): void {
    let any = false;
    for (const rec of this.recs.values()) {
      if (rec.path === oldPath || rec.path.startsWith(oldPath + '/')) {
        rec.path = newPath + rec.path.slice(oldPath.length);
        any = true;
      }
    }
    if (any) this.changed();
  }

  get size(): number { return this.recs.size; }

  private changed(): void {
    if (this.file === null || this.broken) return;
    this.dirty = true;
    if (this.timer === null) {
      this.timer = setTimeout(() => { this.timer = null; this.flush(); }, 50);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    if (!this.dirty || this.file === null || this.broken) return;
    this.dirty = false;
    if (this.recs.size === 0 && !this.onDisk) return;
    const data: Persisted = { version: 1, entries: [...this.recs].map(([ino, r]) => ({ ino, ...r })) };
    const tmp = `${this.file}.tmp-${process.pid}`;
    try {
      nfs.writeFileSync(tmp, JSON.stringify(data));
      nfs.renameSync(tmp, this.file);
      this.onDisk = true;
    } catch (e) {
      this.broken = true;
      process.stderr.write(`nommu-um: cannot save file ownership records to ${this.file} (${(e as Error).message}); keeping them in memory\n`);
    }
  }
}

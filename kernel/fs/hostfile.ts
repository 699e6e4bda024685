/**
 * Open regular files of hostfs: a host fd, read and written through
 * (write-through: the data is in the host file when write returns).
 */
import * as nfs from 'node:fs';
import type { FileOps, OpenFile } from '../file.js';
import { notifyRelease } from './fsnotify.js';
import { hostErr } from './hostio.js';
import { hostChanged } from './statmemo.js';
import type { HostNode } from './hostfs.js';
import { releaseFileLocks } from './locks.js';
import { seekIn } from './tmpfs.js';

export class HostHandle {
  constructor(readonly node: HostNode, readonly fd: number) {}
}

const handleOf = (f: OpenFile): HostHandle => f.priv as HostHandle;

export const hostFileOps: FileOps = {
  read(f, dst, pos) {
    try { return nfs.readSync(handleOf(f).fd, dst, 0, dst.length, pos); } catch (e) { return hostErr(e); }
  },
  write(f, src, pos) {
    // Write-through: the data is in the host file when write returns.
    try { return nfs.writeSync(handleOf(f).fd, src, 0, src.length, pos); } catch (e) { return hostErr(e); } finally { hostChanged(); }
  },
  seek(f, offset, whence) {
    let size: number;
    try { size = nfs.fstatSync(handleOf(f).fd).size; } catch (e) { return hostErr(e); }
    return seekIn(f.pos, size, offset, whence);
  },
  fsync(f) {
    const h = handleOf(f);
    h.node.sb.flush();
    try { nfs.fsyncSync(h.fd); return 0; } catch (e) { return hostErr(e); }
  },
  release(f, task) {
    const h = handleOf(f);
    notifyRelease(f, task);
    releaseFileLocks(f);
    h.node.fds.delete(h.fd);
    try { nfs.closeSync(h.fd); } catch { /* already gone */ }
  },
};


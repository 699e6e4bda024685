/**
 * Per-task filesystem context (Linux's fs_struct): root, cwd and umask,
 * shared between tasks created with CLONE_FS and copied otherwise.
 */
import type { Loc } from './mount.js';

export class FsState {
  constructor(public root: Loc, public cwd: Loc = root, public umask = 0o022) {}

  clone(): FsState { return new FsState(this.root, this.cwd, this.umask); }
}

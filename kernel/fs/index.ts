/**
 * kernel/fs: the virtual filesystem and the file syscalls (DESIGN.md
 * decisions 11 and 12). The public surface:
 *  - Vfs: mount table, confined path resolution, open, openExec;
 *  - FsState (root, cwd, umask) and FdTable (fd -> OpenFile);
 *  - makeConsole: the boot console for fds 0-2 and its line-discipline hook;
 *  - ProcSource: what procfs asks the kernel;
 *  - fsCalls: the file syscall handlers, Handler<FsTask> each;
 *  - FsTask / Cred: what a task must provide.
 */
export { Vfs, AT_FDCWD, AT_EMPTY_PATH, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW } from './vfs.js';
export type { BindSpec, DevOptions, VfsOptions } from './vfs.js';
export { FsState } from './fsstate.js';
export { FdTable, DEFAULT_NOFILE } from './fdtable.js';
export { makeConsole, ConsoleDevice, Passthrough, consoleDeviceOf, consoleOps } from './console.js';
export type { ConsoleIo, LineDiscipline } from './console.js';
export type { ProcSource, ProcTask, ProcMap, ProcMeminfo } from './procsource.js';
export type { FsTask, Cred, FsHandler } from './task.js';
export { rootCred } from './task.js';
export type { Loc } from './mount.js';
export { fileLoc } from './openfile.js';
export type { FsClock, Timespec } from './inode.js';
export { fsCalls, fsCallNotes } from './calls/index.js';
export type { FsCallName } from './calls/index.js';
export type { FsNotifyHooks, FsObject, NotifyTask, AttrChange, PermDecision, NotifyBinding } from './fsnotify.js';

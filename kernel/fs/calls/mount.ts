/** mount and umount2: the mount table is fixed at boot (--bind), so the guest cannot change it. */
import { EPERM } from '../../errno.js';
import type { FsHandler } from '../task.js';

export const mount: FsHandler = () => -EPERM;
export const umount2: FsHandler = () => -EPERM;

/**
 * The guest userland: built by `npm run userspace` (userspace/build.sh) into
 * build/rootfs. Public surface: where the build puts things on the host and
 * where they appear in the guest.
 */
export {
  repoRoot, buildDir, rootfsDir, cacheDir, busyboxSrcDir,
  guestTestsDir, guestBenchDir, guestInterpreter,
} from './paths.js';

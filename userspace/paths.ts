/**
 * Where the guest userland lives, on the host and in the guest. The build
 * script (userspace/build.sh) writes everything under build/ at the
 * repository root; the root is found from this module's own location, so it
 * works from the sources and from any compiled output directory.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The repository root: the first directory above this module holding package.json. */
export function repoRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    if (dirname(dir) === dir) {
      throw new Error(`nommu-um: no package.json above ${start}; cannot find the repository root`);
    }
  }
}

/** build/: everything the userland build and the loader cache produce (git-ignored). */
export function buildDir(): string {
  return join(repoRoot(), 'build');
}

/** build/rootfs: the guest's root directory. */
export function rootfsDir(): string {
  return join(buildDir(), 'rootfs');
}

/** build/cache: on-disk caches (e.g. rewritten ELF images). */
export function cacheDir(): string {
  return join(buildDir(), 'cache');
}

/** build/busybox-1.35.0: the unpacked BusyBox tree, with testsuite/ and shell/hush_test/. */
export function busyboxSrcDir(): string {
  return join(buildDir(), 'busybox-1.35.0');
}

/** Guest directory of the project's C test programs (userspace/tests/*.c). */
export const guestTestsDir = '/usr/libexec/nommu-um/tests';

/** Guest directory of the benchmark programs (userspace/bench/*.c). */
export const guestBenchDir = '/usr/libexec/nommu-um/bench';

/** Guest path of musl's dynamic loader, the PT_INTERP of every guest program. */
export const guestInterpreter = '/lib/ld-musl-x86_64.so.1';

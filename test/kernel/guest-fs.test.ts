/**
 * The filesystem through the whole simulator (issue 6), on both syscall
 * paths: fs_basic and fs_layout print what the same binary prints natively;
 * fs_confine, run over a scratch root with sentinel files all around it,
 * reaches nothing outside the root (checked on the host: the sentinels'
 * contents never appear, every host path the kernel handed to Node's fs
 * module lies inside the root, and nothing outside it was created or
 * changed); a process killed while blocked opening a FIFO stops counting
 * as its reader or writer (fs_fifo_kill, as natively).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { Kernel } from '../../kernel/index.js';
import type { SyscallPath } from '../../kernel/index.js';
import { guestInterpreter, guestTestsDir, rootfsDir } from '../../userspace/index.js';
import { PATHS, hostTestProgram, runGuest, runNative, testProgram } from './guest.js';

const SENTINEL = 'nommu-um-outside-sentinel';
/** Text only the sentinels hold: it must never reach the guest's output. */
const SECRET = 'SECRET-outside-the-root';

/** What Linux prints for fs_confine inside a chroot of the same tree (checked natively, see below). */
const CONFINE_EXPECTED = [
  'dotdot-from-root-1: confined (ENOENT)',
  'dotdot-relative-1: confined (ENOENT)',
  'dotdot-from-root-6: confined (ENOENT)',
  'dotdot-relative-6: confined (ENOENT)',
  'dotdot-from-dirfd: confined (ENOENT)',
  'absolute-symlink: confined (ENOENT)',
  'relative-symlink: confined (ENOENT)',
  'symlink-to-dotdot: confined (ENOENT)',
  'symlink-loop: confined (ELOOP)',
  'chdir-above-root: cwd=/',
  'after-chdir: confined (ENOENT)',
  'fchdir-above-root: cwd=/',
  'rename-out: OK, landed inside /',
  'link-out: OK, landed inside /',
  'mkdir-out: OK, landed inside /',
  'symlink-out: OK, landed inside /',
  'proc-self-root: /',
  'proc-self-root-dotdot: confined (ENOENT)',
  'proc-self-cwd-dotdot: confined (ENOENT)',
  'RESULT: confined',
  '',
].join('\n');

/**
 * A temp dir with sentinels everywhere around a small guest root:
 *   outer/SENTINEL, outer/outside/{SENTINEL, sub/SENTINEL},
 *   outer/parent/{SENTINEL, sibling/SENTINEL, root2/SENTINEL},
 *   outer/parent/root: the interpreter, busybox, fs_confine, /etc, and host
 *   symlinks that point out of it in host terms.
 */
class ConfineWorld {
  readonly outer = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), 'nommu-guest-confine-')));
  readonly root = join(this.outer, 'parent', 'root');

  constructor() {
    const put = (p: string, text: string): void => {
      fs.mkdirSync(join(p, '..'), { recursive: true });
      fs.writeFileSync(p, text);
    };
    put(join(this.outer, SENTINEL), `sentinel: above the root's parent ${SECRET}\n`);
    put(join(this.outer, 'outside', SENTINEL), `sentinel: outside ${SECRET}\n`);
    put(join(this.outer, 'outside', 'sub', SENTINEL), `sentinel: outside/sub ${SECRET}\n`);
    put(join(this.outer, 'parent', SENTINEL), `sentinel: the root's parent ${SECRET}\n`);
    put(join(this.outer, 'parent', 'sibling', SENTINEL), `sentinel: a sibling of the root ${SECRET}\n`);
    // A sibling whose name starts with the root's: a prefix test on host paths would let it through.
    put(join(this.outer, 'parent', 'root2', SENTINEL), `sentinel: root2 ${SECRET}\n`);
    const src = rootfsDir();
    for (const rel of [guestInterpreter, '/bin/busybox', `${guestTestsDir}/fs_confine`]) {
      fs.mkdirSync(join(this.root, rel, '..'), { recursive: true });
      fs.copyFileSync(join(src, rel), join(this.root, rel));
      fs.chmodSync(join(this.root, rel), 0o755);
    }
    for (const applet of ['sh', 'cat', 'ls', 'readlink']) fs.symlinkSync('busybox', join(this.root, 'bin', applet));
    put(join(this.root, 'etc', 'hostname'), 'guest\n');
    put(join(this.root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.mkdirSync(join(this.root, 'proc'));
    fs.mkdirSync(join(this.root, 'tmp'));
    // Host-made links that lead out in host terms: in guest terms they stay inside.
    fs.symlinkSync(`../${SENTINEL}`, join(this.root, 'hostrel'));
    fs.symlinkSync(join(this.outer, 'parent', SENTINEL), join(this.root, 'hostabs'));
    fs.symlinkSync('../sibling', join(this.root, 'hostdir'));
  }

  /** Everything outside the root: path -> type and mode, size, mtime and content. */
  snapshotOutside(): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const name of fs.readdirSync(dir).sort()) {
        const full = join(dir, name);
        if (full === this.root) continue;
        const st = fs.lstatSync(full);
        const content = st.isFile() ? fs.readFileSync(full, 'latin1') : st.isSymbolicLink() ? fs.readlinkSync(full) : '';
        out.set(full, `${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${content}`);
        if (st.isDirectory()) walk(full);
      }
    };
    walk(this.outer);
    return out;
  }

  inside(p: string): boolean { return p === this.root || p.startsWith(this.root + '/'); }

  cleanup(): void { fs.rmSync(this.outer, { recursive: true, force: true }); }
}

const requireCjs = createRequire(import.meta.url);
const cjsFs = requireCjs('node:fs') as Record<string, unknown>;
/** The fs functions that take a host path (hostfs and its metadata store use these). */
const PATH_FNS = ['openSync', 'lstatSync', 'statSync', 'readlinkSync', 'readdirSync', 'mkdirSync', 'rmdirSync',
  'unlinkSync', 'renameSync', 'linkSync', 'symlinkSync', 'chmodSync', 'truncateSync', 'utimesSync', 'lutimesSync',
  'realpathSync', 'readFileSync', 'writeFileSync', 'statfsSync', 'existsSync', 'accessSync', 'opendirSync',
  'copyFileSync', 'rmSync', 'chownSync', 'lchownSync', 'mkdtempSync'];

/** Runs fn while recording every host path handed to Node's fs module (the ESM bindings follow the patch). */
async function recordHostPaths<T>(fn: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  const saved = new Map<string, unknown>();
  const paths: string[] = [];
  const note = (p: unknown): void => {
    if (typeof p === 'string') paths.push(p);
    else if (Buffer.isBuffer(p)) paths.push(p.toString('latin1'));
  };
  for (const name of PATH_FNS) {
    const orig = cjsFs[name] as (...a: unknown[]) => unknown;
    saved.set(name, orig);
    cjsFs[name] = function (this: unknown, ...args: unknown[]) {
      // symlinkSync's first argument is the link's text, not a path the host resolves.
      if (name !== 'symlinkSync') note(args[0]);
      if (name === 'renameSync' || name === 'linkSync' || name === 'symlinkSync' || name === 'copyFileSync') note(args[1]);
      return orig.apply(this, args);
    };
  }
  syncBuiltinESMExports();
  try {
    return { result: await fn(), paths };
  } finally {
    for (const [name, f] of saved) cjsFs[name] = f;
    syncBuiltinESMExports();
  }
}

/**
 * Runs argv in a kernel over `root`, recording the host paths it uses; the
 * output goes to a host file opened before the recorded span.
 */
async function runOver(root: string, argv: string[], syscallPath: SyscallPath): Promise<{ code: number; stdout: string; paths: string[] }> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'nommu-guest-confine-out-'));
  const outPath = join(dir, 'out');
  const out = fs.openSync(outPath, 'w');
  try {
    const { result: code, paths } = await recordHostPaths(async () => {
      const kernel = new Kernel({
        root, memBytes: 64 << 20, syscallPath, siteCacheDir: null,
        stdio: { input: Readable.from([]), output: { fd: out } },
        env: ['PATH=/bin', 'HOME=/'],
      });
      kernel.spawn(argv[0], argv);
      const c = await kernel.run();
      kernel.shutdown();
      return c;
    });
    return { code, stdout: fs.readFileSync(outPath, 'utf8'), paths };
  } finally {
    fs.closeSync(out);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** fs_confine natively in a chroot of the same root with /proc mounted (needs root and unshare), else null. */
function nativeConfine(root: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t proc proc "$1/proc" && exec chroot "$1" "$2"', 'sh', root,
    `${guestTestsDir}/fs_confine`], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 && r.stdout.includes('RESULT:') ? r.stdout : null;
}

describe('kernel: the filesystem through the simulator', function () {
  this.timeout(600_000);

  for (const path of PATHS) {
    describe(`--syscall-path ${path}`, () => {
      it('fs_basic prints what it prints natively', async () => {
        const r = await runGuest([testProgram('fs_basic')], { syscallPath: path });
        const native = runNative([hostTestProgram('fs_basic')]);
        expect(native.code).to.equal(0);
        expect(r.stdout.split('\n').length).to.be.greaterThan(50);
        expect(r.stdout).to.equal(native.stdout);
        expect(r.code).to.equal(0);
      });

      it('fs_layout prints the struct layouts it prints natively', async () => {
        const r = await runGuest([testProgram('fs_layout')], { syscallPath: path });
        const native = runNative([hostTestProgram('fs_layout')]);
        expect(r.stdout).to.match(/^stat\.st_size /m);
        expect(r.stdout).to.equal(native.stdout);
        expect(r.code).to.equal(0);
      });

      it('fs_confine over a scratch root reads, creates and changes nothing outside it', async () => {
        const w = new ConfineWorld();
        try {
          const before = w.snapshotOutside();
          const r = await runOver(w.root, [`${guestTestsDir}/fs_confine`], path);
          expect(r.stdout).to.equal(CONFINE_EXPECTED);
          expect(r.code).to.equal(0);
          // Host links in the root, and climbing with a shell: still inside.
          const sh = await runOver(w.root, ['/bin/sh', '-c',
            `cat /hostrel /hostabs /hostdir/${SENTINEL} /../${SENTINEL} ../../${SENTINEL} /proc/self/root/../${SENTINEL}; `
            + `cd /../../..; pwd; ls /..; cd /proc/self/cwd/../..; pwd; readlink /proc/self/root; readlink /proc/self/cwd; `
            + `cat /etc/hostname`], path);
          expect(sh.stdout).to.not.contain(SECRET);
          const noEntry = (p: string): string => `cat: can't open '${p}': No such file or directory\n`;
          expect(sh.stdout).to.equal(noEntry('/hostrel') + noEntry('/hostabs') + noEntry(`/hostdir/${SENTINEL}`)
            + noEntry(`/../${SENTINEL}`) + noEntry(`../../${SENTINEL}`) + noEntry(`/proc/self/root/../${SENTINEL}`)
            + '/\nbin\ndev\netc\nhostabs\nhostdir\nhostrel\nlib\nproc\ntmp\nusr\n/\n/\n/\nguest\n');
          expect(sh.code).to.equal(0);
          expect(w.snapshotOutside(), 'nothing outside the root was created or changed').to.deep.equal(before);
          // The kernel itself looks for its ownership store beside the root (docs/filesystem.md) but
          // writes none when it has nothing to keep; every other path it gave the host is in the root.
          const meta = `${w.root}.meta.json`;
          expect(fs.existsSync(meta)).to.equal(false);
          const recorded = [...r.paths, ...sh.paths];
          const outside = [...new Set(recorded.filter((p) => !w.inside(p) && p !== meta))];
          expect(outside, 'host paths outside the root').to.deep.equal([]);
          expect(recorded.filter((p) => w.inside(p)).length).to.be.greaterThan(100);
          // Linux agrees, where this host lets us chroot.
          const native = nativeConfine(w.root);
          if (native !== null) expect(r.stdout).to.equal(native);
        } finally {
          w.cleanup();
        }
      });

      it('fs_fifo_kill: a process killed while blocked opening a FIFO stops counting (as natively)', async () => {
        const r = await runGuest([testProgram('fs_fifo_kill')], { syscallPath: path });
        expect(r.stdout).to.contain('ok: reader: blocked in open (state S)');
        expect(r.stdout).to.contain('writer open O_NONBLOCK after the reader died: ENXIO');
        expect(r.stdout).to.contain('read with the killed writer gone: 0');
        expect(r.stdout).to.not.contain('FAIL');
        expect(r.stdout.trim().split('\n').pop()).to.equal('PASSED');
        expect(r.code).to.equal(0);
        const native = runNative([hostTestProgram('fs_fifo_kill')]);
        expect(r.stdout).to.equal(native.stdout);
      });
    });
  }
});

/**
 * Every struct kernel/fs shares with the guest, checked against the C
 * compiler: userspace/tests/fs_layout.c (built with musl-gcc, as the guest
 * programs are) prints sizeof and offsetof of each field.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as L from '../../../kernel/fs/layout.js';
import { repoRoot } from './helpers.js';

/** The fs_layout binary: the one the userspace build made if it is current, else one built here. */
let tempDir: string | null = null;

function layoutBinary(): string {
  const root = repoRoot();
  const src = path.join(root, 'userspace/tests/fs_layout.c');
  const built = path.join(root, 'build/rootfs/usr/libexec/nommu-um/tests/fs_layout');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= fs.statSync(src).mtimeMs) return built;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-layout-'));
  tempDir = dir;
  // musl-gcc sees only musl's headers; the kernel uapi ones come from a private dir, as in userspace/build.sh.
  const uapi = path.join(dir, 'uapi');
  fs.mkdirSync(uapi);
  for (const [name, target] of [['linux', '/usr/include/linux'], ['asm-generic', '/usr/include/asm-generic'], ['asm', '/usr/include/x86_64-linux-gnu/asm']]) {
    fs.symlinkSync(target, path.join(uapi, name));
  }
  const out = path.join(dir, 'fs_layout');
  try {
    execFileSync('musl-gcc', ['-O2', '-fPIE', '-pie', '-isystem', uapi, '-o', out, src], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`cannot build ${src} with musl-gcc (run "npm run userspace" to install musl-tools): ${(e as Error).message}`);
  }
  return out;
}

describe('kernel/fs struct layouts against musl-gcc', () => {
  let c: Map<string, number>;
  before(() => {
    const text = execFileSync(layoutBinary(), { encoding: 'utf8' });
    c = new Map(text.trim().split('\n').map((l) => { const [k, v] = l.split(' '); return [k, Number(v)]; }));
  });
  after(() => { if (tempDir !== null) fs.rmSync(tempDir, { recursive: true, force: true }); });

  function check(struct: string, size: number | null, fields: Record<string, number>): void {
    if (size !== null) expect(c.get(`${struct}.size`), `sizeof(struct ${struct})`).to.equal(size);
    for (const [f, off] of Object.entries(fields)) expect(c.get(`${struct}.${f}`), `offsetof(struct ${struct}, ${f})`).to.equal(off);
    const cFields = [...c.keys()].filter((k) => k.startsWith(struct + '.') && k !== `${struct}.size`).map((k) => k.slice(struct.length + 1));
    for (const f of cFields) {
      if (struct === 'statx' && f.startsWith('stx_')) expect(fields, `statx field ${f} declared`).to.have.property(f);
    }
  }

  it('struct stat', () => check('stat', L.STAT_SIZE, L.STAT));
  it('struct statx and statx_timestamp', () => {
    check('statx', L.STATX_SIZE, L.STATX);
    expect(c.get('statx_timestamp.size')).to.equal(L.STATX_TIMESTAMP_SIZE);
  });
  it('struct statfs', () => check('statfs', L.STATFS_SIZE, L.STATFS));
  it('struct flock', () => check('flock', L.FLOCK_SIZE, L.FLOCK));
  it('struct dirent (linux_dirent64)', () => check('dirent', null, L.DIRENT64));
  it('struct pollfd, iovec, open_how, timespec, winsize', () => {
    check('pollfd', L.POLLFD_SIZE, L.POLLFD);
    check('iovec', L.IOVEC_SIZE, L.IOVEC);
    check('open_how', L.OPEN_HOW_SIZE, L.OPEN_HOW);
    check('timespec', L.TIMESPEC_SIZE, L.TIMESPEC);
    check('winsize', L.WINSIZE_SIZE, L.WINSIZE);
  });
});

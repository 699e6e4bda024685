/**
 * mount(2)/umount2(2) on the mount table: bind mounts of subdirectories,
 * stacking, MS_REC, '..' and getcwd at a bind root, chroot confinement, and
 * shared-subtree propagation between peers and to slaves (mounts and
 * unmounts), with the mountinfo lines Linux prints for each.
 */
import { expect } from 'chai';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';

const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, BIND: 4096, MOVE: 8192, REC: 16384,
  UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20,
} as const;
const MNT_DETACH = 2;

/** mount(2) as a program calls it (null pointers where an argument is null). */
function mount(t: FakeTask, src: string | null, target: string, type: string | null, flags: number, data: string | null = null): number {
  const p = (s: string | null): number => (s === null ? 0 : t.str(s));
  return t.sys('mount', p(src), t.str(target), p(type), flags, p(data));
}
const umount = (t: FakeTask, target: string, flags = 0): number => t.sys('umount2', t.str(target), flags);

/** mountinfo lines whose mount point is under prefix, with the ids replaced by their order of appearance. */
function mountinfo(t: FakeTask, prefix: string): string[] {
  const lines = (t.cat('/proc/self/mountinfo') as string).split('\n').filter((l) => l !== '');
  const ids = new Map<string, string>();
  const groups = new Map<string, string>();
  const id = (s: string): string => { if (!ids.has(s)) ids.set(s, `#${ids.size}`); return ids.get(s)!; };
  const grp = (s: string): string => { if (!groups.has(s)) groups.set(s, `G${groups.size}`); return groups.get(s)!; };
  for (const l of lines) id(l.split(' ')[0]);
  return lines.filter((l) => l.split(' ')[4].startsWith(prefix)).map((l) => {
    const f = l.split(' ');
    f[0] = id(f[0]); f[1] = id(f[1]); f[2] = 'D';
    return f.join(' ').replace(/(shared|master):(\d+)/g, (_, k: string, n: string) => `${k}:${grp(n)}`);
  });
}

describe('kernel/fs mount table: bind mounts', () => {
  let sb: Sandbox;
  let t: FakeTask;
  const H = '/home/user';
  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    t = w.task();
    for (const d of ['src', 'src/sub', 'src/sub/deep', 'dst', 'dst2', 'other']) expect(t.sys('mkdir', t.str(`${H}/${d}`), 0o755)).to.equal(0);
    t.sys('close', t.open(`${H}/src/sub/file`, O.CREAT | O.WRONLY));
    t.sys('close', t.open(`${H}/other/o`, O.CREAT | O.WRONLY));
  });
  afterEach(() => sb.cleanup());

  it('a path walk crosses a mountpoint by its place: not at the same name in another directory or another mount of the same one', () => {
    for (const d of ['a', 'a/x', 'b', 'b/x']) expect(t.sys('mkdir', t.str(`${H}/${d}`), 0o755)).to.equal(0);
    expect(mount(t, `${H}/other`, `${H}/a/x`, null, MS.BIND)).to.equal(0);
    // The same name twice in a row, in two directories (a walk remembers its last crossing).
    for (let k = 0; k < 2; k++) {
      expect(t.ls(`${H}/a/x`)).to.deep.equal(['.', '..', 'o']);
      expect(t.ls(`${H}/b/x`)).to.deep.equal(['.', '..']);
    }
    // The same directory seen through two mounts: the mount on src/sub is not in the earlier bind of src.
    expect(mount(t, `${H}/src`, `${H}/dst`, null, MS.BIND)).to.equal(0);
    expect(mount(t, `${H}/other`, `${H}/src/sub`, null, MS.BIND)).to.equal(0);
    for (let k = 0; k < 2; k++) {
      expect(t.ls(`${H}/src/sub`)).to.deep.equal(['.', '..', 'o']);
      expect(t.ls(`${H}/dst/sub`)).to.deep.equal(['.', '..', 'deep', 'file']);
    }
    // And what changes the table is seen at once.
    expect(umount(t, `${H}/src/sub`)).to.equal(0);
    expect(t.ls(`${H}/src/sub`)).to.deep.equal(['.', '..', 'deep', 'file']);
  });

  it('binds a subdirectory: its content shows, .. leads back out of the mountpoint, getcwd and /proc/self/cwd name the mountpoint', () => {
    expect(mount(t, `${H}/src/sub`, `${H}/dst`, null, MS.BIND)).to.equal(0);
    expect(t.ls(`${H}/dst`)).to.deep.equal(['.', '..', 'deep', 'file']);
    const home = t.stat(H) as { ino: number };
    const up = t.stat(`${H}/dst/..`) as { ino: number };
    expect(up.ino, '.. at the bind root is the mountpoint\'s parent').to.equal(home.ino);
    expect(t.sys('chdir', t.str(`${H}/dst/deep`))).to.equal(0);
    expect(t.getcwd()).to.equal(`${H}/dst/deep`);
    expect(t.readlink('/proc/self/cwd')).to.equal(`${H}/dst/deep`);
    expect(t.sys('chdir', t.str('../..'))).to.equal(0);
    expect(t.getcwd()).to.equal(H);
    expect(mountinfo(t, `${H}/`)).to.deep.equal([`#4 #0 D ${H}/src/sub ${H}/dst rw,relatime - hostfs /dev/root rw`]);
    expect(t.cat('/proc/mounts') as string).to.contain(`/dev/root ${H}/dst hostfs rw,relatime 0 0\n`);
  });

  it('confines a chroot into a bind root: / is the bind root and .. stays there', () => {
    expect(mount(t, `${H}/src/sub`, `${H}/dst`, null, MS.BIND)).to.equal(0);
    expect(t.sys('chroot', t.str(`${H}/dst`))).to.equal(0);
    expect(t.sys('chdir', t.str('/'))).to.equal(0);
    expect(t.ls('/..')).to.deep.equal(['.', '..', 'deep', 'file']);
    expect(t.stat('/../../etc/hostname')).to.equal(E.ENOENT);
    expect(t.getcwd()).to.equal('/');
    expect(t.readlink('/proc/self/root')).to.equal(E.ENOENT);
  });

  it('binds a file onto a file', () => {
    t.sys('close', t.open(`${H}/target`, O.CREAT | O.WRONLY));
    const fd = t.open(`${H}/src/sub/file`, O.WRONLY);
    expect(t.write(fd, 'bound file\n')).to.equal(11);
    t.sys('close', fd);
    expect(mount(t, `${H}/src/sub/file`, `${H}/target`, null, MS.BIND)).to.equal(0);
    expect(t.cat(`${H}/target`)).to.equal('bound file\n');
    expect(mount(t, `${H}/src/sub/file`, `${H}/dst`, null, MS.BIND)).to.equal(E.ENOTDIR);
    expect(mount(t, `${H}/src`, `${H}/target`, null, MS.BIND)).to.equal(E.ENOTDIR);
    expect(umount(t, `${H}/target`)).to.equal(0);
    expect(t.cat(`${H}/target`)).to.equal('');
  });

  it('stacks a mount on a mount root and unmounts the topmost first', () => {
    expect(mount(t, `${H}/src/sub`, `${H}/dst`, null, MS.BIND)).to.equal(0);
    expect(mount(t, `${H}/other`, `${H}/dst`, null, MS.BIND)).to.equal(0);
    expect(t.ls(`${H}/dst`)).to.deep.equal(['.', '..', 'o']);
    const lines = mountinfo(t, `${H}/`);
    expect(lines).to.deep.equal([
      `#4 #0 D ${H}/src/sub ${H}/dst rw,relatime - hostfs /dev/root rw`,
      `#5 #4 D ${H}/other ${H}/dst rw,relatime - hostfs /dev/root rw`,
    ]);
    expect((t.stat(`${H}/dst/..`) as { ino: number }).ino).to.equal((t.stat(H) as { ino: number }).ino);
    expect(t.sys('chdir', t.str(`${H}/dst`))).to.equal(0);
    expect(t.getcwd()).to.equal(`${H}/dst`);
    expect(t.sys('chdir', t.str('/'))).to.equal(0);
    expect(umount(t, `${H}/dst`)).to.equal(0);
    expect(t.ls(`${H}/dst`)).to.deep.equal(['.', '..', 'deep', 'file']);
    expect(umount(t, `${H}/dst`)).to.equal(0);
    expect(t.ls(`${H}/dst`)).to.deep.equal(['.', '..']);
    expect(umount(t, `${H}/dst`)).to.equal(E.EINVAL);
  });

  it('copies submounts only with MS_REC', () => {
    expect(mount(t, 'tmpfs', `${H}/src/sub/deep`, 'tmpfs', 0)).to.equal(0);
    t.sys('close', t.open(`${H}/src/sub/deep/in-tmpfs`, O.CREAT | O.WRONLY));
    expect(mount(t, `${H}/src`, `${H}/dst`, null, MS.BIND)).to.equal(0);
    expect(t.ls(`${H}/dst/sub/deep`)).to.deep.equal(['.', '..']);
    expect(mount(t, `${H}/src`, `${H}/dst2`, null, MS.BIND | MS.REC)).to.equal(0);
    expect(t.ls(`${H}/dst2/sub/deep`)).to.deep.equal(['.', '..', 'in-tmpfs']);
    expect(mountinfo(t, `${H}/dst2`)).to.deep.equal([
      `#6 #0 D ${H}/src ${H}/dst2 rw,relatime - hostfs /dev/root rw`,
      `#7 #6 D / ${H}/dst2/sub/deep rw,relatime - tmpfs tmpfs rw`,
    ]);
    expect(umount(t, `${H}/dst2`), 'a mount with a submount is busy').to.equal(E.EBUSY);
    expect(umount(t, `${H}/dst2`, MNT_DETACH), 'lazily the whole tree goes').to.equal(0);
    expect(mountinfo(t, `${H}/dst2`)).to.deep.equal([]);
    expect(umount(t, `${H}/dst`)).to.equal(0);
    expect(umount(t, `${H}/src/sub/deep`)).to.equal(0);
  });

  it('refuses EBUSY while the caller\'s cwd or an open file is inside, and detaches lazily', () => {
    expect(mount(t, 'tmpfs', `${H}/dst`, 'tmpfs', 0)).to.equal(0);
    const fd = t.open(`${H}/dst/f`, O.CREAT | O.RDWR);
    expect(t.write(fd, 'still here\n')).to.equal(11);
    expect(umount(t, `${H}/dst`)).to.equal(E.EBUSY);
    t.sys('close', fd);
    expect(t.sys('chdir', t.str(`${H}/dst`))).to.equal(0);
    expect(umount(t, `${H}/dst`)).to.equal(E.EBUSY);
    expect(umount(t, '.', MNT_DETACH)).to.equal(0);
    expect(t.cat('f'), 'the detached tree stays usable from inside').to.equal('still here\n');
    expect(t.getcwd()).to.equal('(unreachable)/');
    expect(t.ls(`${H}/dst`)).to.deep.equal(['.', '..']);
  });

  it('gives EINVAL for a path that is not a mount root, EPERM unprivileged, ENOENT, ENODEV, and the root stays', () => {
    expect(umount(t, `${H}/src`)).to.equal(E.EINVAL);
    expect(umount(t, `${H}/nope`)).to.equal(E.ENOENT);
    expect(umount(t, H, 0x100)).to.equal(E.EINVAL);
    expect(mount(t, `${H}/nope`, `${H}/dst`, null, MS.BIND)).to.equal(E.ENOENT);
    expect(mount(t, `${H}/src`, `${H}/nope`, null, MS.BIND)).to.equal(E.ENOENT);
    expect(mount(t, '', `${H}/dst`, null, MS.BIND)).to.equal(E.EINVAL);
    expect(mount(t, 'x', `${H}/dst`, 'ext4', 0)).to.equal(-19);
    expect(mount(t, 'x', `${H}/dst`, null, 0)).to.equal(E.EINVAL);
    expect(mount(t, 'x', `${H}/dst`, 'hostfs', 0), 'no host paths for the guest').to.equal(E.EPERM);
    expect(mount(t, 'proc', '/proc', 'proc', 0), 'the same filesystem again on its own root').to.equal(-16);
    expect(mount(t, 'proc', `${H}/dst`, 'proc', 0)).to.equal(0);
    expect(t.cat(`${H}/dst/sys/kernel/ostype`)).to.equal('Linux\n');
    expect(umount(t, `${H}/dst`)).to.equal(0);
    expect(umount(t, '/', MNT_DETACH)).to.equal(E.EINVAL);
    expect(t.sys('mount', 0, t.str(`${H}/dst`), 0x10, MS.BIND, 0), 'bad string pointer').to.equal(E.EFAULT);
    t.cred = { ...t.cred, uid: 1000, euid: 1000, fsuid: 1000 };
    expect(mount(t, `${H}/src`, `${H}/dst`, null, MS.BIND)).to.equal(E.EPERM);
    expect(mount(t, `${H}/src`, `${H}/nope`, null, MS.BIND), 'the target is looked up first').to.equal(E.ENOENT);
    expect(umount(t, '/tmp')).to.equal(E.EPERM);
  });

  it('moves a mount with MS_MOVE and refuses a move into itself', () => {
    expect(mount(t, 'tmpfs', `${H}/dst`, 'tmpfs', 0)).to.equal(0);
    t.sys('close', t.open(`${H}/dst/moved`, O.CREAT | O.WRONLY));
    expect(t.sys('mkdir', t.str(`${H}/dst/inside`), 0o755)).to.equal(0);
    expect(mount(t, `${H}/dst`, `${H}/dst/inside`, null, MS.MOVE)).to.equal(-40);
    expect(mount(t, `${H}/src`, `${H}/dst2`, null, MS.MOVE), 'the source must be a mount root').to.equal(E.EINVAL);
    expect(mount(t, `${H}/dst`, `${H}/dst2`, null, MS.MOVE)).to.equal(0);
    expect(t.ls(`${H}/dst2`)).to.deep.equal(['.', '..', 'inside', 'moved']);
    expect(t.ls(`${H}/dst`)).to.deep.equal(['.', '..']);
    expect(mountinfo(t, `${H}/`)).to.deep.equal([`#4 #0 D / ${H}/dst2 rw,relatime - tmpfs tmpfs rw`]);
  });
});

describe('kernel/fs mount table: shared subtrees', () => {
  let sb: Sandbox;
  let t: FakeTask;
  const H = '/home/user';
  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    t = w.task();
    for (const d of ['a', 'a/sub', 'a/sub2', 'b', 'c']) expect(t.sys('mkdir', t.str(`${H}/${d}`), 0o755)).to.equal(0);
    expect(mount(t, `${H}/a`, `${H}/a`, null, MS.BIND)).to.equal(0);
  });
  afterEach(() => sb.cleanup());

  it('propagates mounts and unmounts between peers', () => {
    expect(mount(t, null, `${H}/a`, null, MS.SHARED)).to.equal(0);
    expect(mount(t, `${H}/a`, `${H}/b`, null, MS.BIND)).to.equal(0);
    expect(mount(t, 'tmpfs', `${H}/b/sub`, 'tmpfs', 0)).to.equal(0);
    t.sys('close', t.open(`${H}/a/sub/seen`, O.CREAT | O.WRONLY));
    expect(t.ls(`${H}/b/sub`), 'the peer shows the same tmpfs').to.deep.equal(['.', '..', 'seen']);
    expect(mountinfo(t, `${H}/`)).to.deep.equal([
      `#4 #0 D ${H}/a ${H}/a rw,relatime shared:G0 - hostfs /dev/root rw`,
      `#5 #0 D ${H}/a ${H}/b rw,relatime shared:G0 - hostfs /dev/root rw`,
      `#6 #5 D / ${H}/b/sub rw,relatime shared:G1 - tmpfs tmpfs rw`,
      `#7 #4 D / ${H}/a/sub rw,relatime shared:G1 - tmpfs tmpfs rw`,
    ]);
    expect(umount(t, `${H}/a/sub`)).to.equal(0);
    expect(mountinfo(t, `${H}/`).length, 'the copy on the peer went too').to.equal(2);
    expect(t.ls(`${H}/b/sub`)).to.deep.equal(['.', '..']);
  });

  it('keeps a private mount\'s events to itself', () => {
    expect(mount(t, `${H}/a`, `${H}/b`, null, MS.BIND)).to.equal(0);
    expect(mount(t, 'tmpfs', `${H}/a/sub`, 'tmpfs', 0)).to.equal(0);
    expect(mountinfo(t, `${H}/b`)).to.deep.equal([`#5 #0 D ${H}/a ${H}/b rw,relatime - hostfs /dev/root rw`]);
  });

  it('propagates from a master to its slave and not back', () => {
    expect(mount(t, null, `${H}/a`, null, MS.SHARED)).to.equal(0);
    expect(mount(t, `${H}/a`, `${H}/b`, null, MS.BIND)).to.equal(0);
    expect(mount(t, null, `${H}/b`, null, MS.SLAVE)).to.equal(0);
    expect(mount(t, 'tmpfs', `${H}/a/sub`, 'tmpfs', 0)).to.equal(0);
    expect(mount(t, 'tmpfs', `${H}/b/sub2`, 'tmpfs', 0)).to.equal(0);
    expect(mountinfo(t, `${H}/`)).to.deep.equal([
      `#4 #0 D ${H}/a ${H}/a rw,relatime shared:G0 - hostfs /dev/root rw`,
      `#5 #0 D ${H}/a ${H}/b rw,relatime master:G0 - hostfs /dev/root rw`,
      `#6 #4 D / ${H}/a/sub rw,relatime shared:G1 - tmpfs tmpfs rw`,
      `#7 #5 D / ${H}/b/sub rw,relatime master:G1 - tmpfs tmpfs rw`,
      `#8 #5 D / ${H}/b/sub2 rw,relatime - tmpfs tmpfs rw`,
    ]);
    expect(umount(t, `${H}/a/sub`)).to.equal(0);
    expect(mountinfo(t, `${H}/b/sub`)).to.deep.equal([`#6 #5 D / ${H}/b/sub2 rw,relatime - tmpfs tmpfs rw`]);
  });

  it('passes a mount on through a shared slave to its peers', () => {
    expect(mount(t, null, `${H}/a`, null, MS.SHARED)).to.equal(0);
    expect(mount(t, `${H}/a`, `${H}/b`, null, MS.BIND)).to.equal(0);
    expect(mount(t, null, `${H}/b`, null, MS.SLAVE)).to.equal(0);
    expect(mount(t, null, `${H}/b`, null, MS.SHARED)).to.equal(0);
    expect(mount(t, `${H}/b`, `${H}/c`, null, MS.BIND)).to.equal(0);
    expect(mount(t, 'tmpfs', `${H}/a/sub`, 'tmpfs', 0)).to.equal(0);
    const lines = mountinfo(t, `${H}/`);
    expect(lines.filter((l) => l.includes(' tmpfs ')).map((l) => l.split(' ')[4])).to.have.members([`${H}/a/sub`, `${H}/b/sub`, `${H}/c/sub`]);
    expect(lines.find((l) => l.includes(`${H}/c/sub `))).to.match(/ shared:G\d+ master:G\d+ - tmpfs /);
  });

  it('refuses to bind an unbindable mount and leaves it out of recursive copies', () => {
    expect(mount(t, 'tmpfs', `${H}/a/sub`, 'tmpfs', 0)).to.equal(0);
    expect(mount(t, null, `${H}/a/sub`, null, MS.UNBINDABLE)).to.equal(0);
    expect(mount(t, `${H}/a/sub`, `${H}/b`, null, MS.BIND)).to.equal(E.EINVAL);
    expect(mount(t, `${H}/a`, `${H}/b`, null, MS.BIND | MS.REC)).to.equal(0);
    expect(mountinfo(t, `${H}/`).map((l) => l.split(' ').slice(4, 7).join(' '))).to.deep.equal([
      `${H}/a rw,relatime -`, `${H}/a/sub rw,relatime unbindable`, `${H}/b rw,relatime -`,
    ]);
    expect(mount(t, null, `${H}/a/sub2`, null, MS.SHARED), 'not a mount root').to.equal(E.EINVAL);
    expect(mount(t, null, `${H}/a`, null, MS.SHARED | MS.PRIVATE)).to.equal(E.EINVAL);
  });

  it('makes a whole subtree shared with MS_REC', () => {
    expect(mount(t, 'tmpfs', `${H}/a/sub`, 'tmpfs', 0)).to.equal(0);
    expect(mount(t, null, `${H}/a`, null, MS.SHARED | MS.REC)).to.equal(0);
    expect(mountinfo(t, `${H}/`).every((l) => / shared:G\d+ - /.test(l))).to.equal(true);
    expect(mount(t, null, `${H}/a`, null, MS.PRIVATE | MS.REC)).to.equal(0);
    expect(mountinfo(t, `${H}/`).some((l) => l.includes('shared:'))).to.equal(false);
  });
});

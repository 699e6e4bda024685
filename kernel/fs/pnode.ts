/**
 * Shared subtrees (Linux's fs/pnode.c and Documentation/filesystems/
 * sharedsubtree.rst): peer groups, slaves, copying mount trees for bind
 * mounts, and propagating mounts and unmounts to the peers and slaves of
 * the mount they happen on.
 */
import { type Inode } from './inode.js';
import { Mount, type MountTable, type PeerGroup, placeKey, placeWithin } from './mount.js';

/** How a clone relates to its original (clone_mnt's CL_* flags). */
export type CloneHow = 'bind' | 'private' | 'peer' | 'slave';

/** A mount tree built but not yet attached: its top and the submounts with their places in their (new) parents. */
export interface Tree {
  top: Mount;
  rest: Array<{ m: Mount; parent: Mount; dir: Inode; name: string }>;
}

export function joinGroup(m: Mount, g: PeerGroup): void {
  if (m.group === g) return;
  leaveGroup(m);
  m.group = g;
  g.members.add(m);
}

/**
 * Takes m out of its peer group; when the group empties, its slaves now
 * receive from m's own master (or from nothing) as do_make_slave hands them on.
 */
function leaveGroup(m: Mount, table?: MountTable): void {
  const g = m.group;
  if (g === null) return;
  g.members.delete(m);
  m.group = null;
  if (g.members.size === 0 && table !== undefined) {
    for (const s of table.list) if (s.master === g) s.master = m.master;
  }
}

/** One mount copied onto root (clone_mnt). */
export function cloneMount(table: MountTable, old: Mount, root: Inode, how: CloneHow): Mount {
  const m = new Mount(old.sb, null, null, '', old.flags, old.source, root);
  if (how === 'slave') {
    m.master = old.group;
  } else if (how !== 'private') {
    if (how === 'peer' && old.group === null) joinGroup(old, table.newGroup());
    if (old.group !== null) joinGroup(m, old.group);
    m.master = old.master;
  }
  return m;
}

/**
 * A copy of src seen from root (copy_tree): with recursive, every submount
 * whose mountpoint lies under root comes along (unbindable ones and their
 * subtrees are left out).
 */
export function copyTree(table: MountTable, src: Mount, root: Inode, how: CloneHow, recursive: boolean): Tree {
  const top = cloneMount(table, src, root, how);
  const tree: Tree = { top, rest: [] };
  if (!recursive) return tree;
  const map = new Map<Mount, Mount>([[src, top]]);
  const queue = [src];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const c of table.children(from)) {
      if (c.unbindable || c.mpDir === null) continue;
      const parentCopy = map.get(from)!;
      if (from === src && !placeWithin(top, c.mpDir, c.mpName)) continue;
      const copy = cloneMount(table, c, c.root, how);
      map.set(c, copy);
      tree.rest.push({ m: copy, parent: parentCopy, dir: c.mpDir, name: c.mpName });
      queue.push(c);
    }
  }
  return tree;
}

export function treeMounts(tree: Tree): Mount[] { return [tree.top, ...tree.rest.map((r) => r.m)]; }

/**
 * Attaches a built tree at the place (dir, name) of parent. A propagated
 * copy landing where something is already mounted goes underneath it (the
 * mount there moves onto the copy's root: Linux tucks propagated mounts).
 */
export function attachTree(table: MountTable, tree: Tree, parent: Mount, dir: Inode, name: string, tuck: boolean): void {
  const there = tuck ? table.childAt(parent, placeKey(dir, name)) : undefined;
  table.attach(tree.top, parent, dir, name);
  for (const r of tree.rest) table.attach(r.m, r.parent, r.dir, r.name);
  if (there !== undefined) {
    const under = table.top(tree.top);
    table.reattach(there, under, under.rootPlace.dir, under.rootPlace.name);
  }
}

/** Peers and slaves (and theirs) that receive what happens on m (propagation_next's walk), m excluded. */
export function receivers(table: MountTable, m: Mount): Mount[] {
  const out: Mount[] = [];
  const seen = new Set<PeerGroup>();
  const walkGroup = (g: PeerGroup, except: Mount): void => {
    seen.add(g);
    for (const p of g.members) if (p !== except && !p.detached) out.push(p);
    for (const s of table.list) {
      if (s.master !== g || s.detached) continue;
      out.push(s);
      if (s.group !== null && !seen.has(s.group)) walkGroup(s.group, s);
    }
  };
  if (m.group !== null) walkGroup(m.group, m);
  return out;
}

/**
 * attach_recursive_mnt: tree goes at (dir, name) of dest; when dest is
 * shared the tree becomes shared and a copy of it is mounted at the same
 * place of every peer (as a peer of the tree) and slave (as a slave of it)
 * that shows that place. A slave that is itself shared passes the copy on
 * to its own peers and slaves.
 */
export function mountPropagating(table: MountTable, tree: Tree, dest: Mount, dir: Inode, name: string): void {
  if (dest.group === null) {
    attachTree(table, tree, dest, dir, name, false);
    return;
  }
  for (const m of treeMounts(tree)) if (m.group === null) joinGroup(m, table.newGroup());
  const fresh = new Set<Mount>(treeMounts(tree));
  const pending: Array<{ tree: Tree; on: Mount }> = [];
  const seen = new Set<PeerGroup>();
  // Each receiving mount gets one copy, however many ways propagation reaches it.
  const done = new Set<Mount>([dest]);
  const spread = (g: PeerGroup, src: Tree, on: Mount): void => {
    seen.add(g);
    for (const p of [...g.members]) {
      if (done.has(p) || fresh.has(p) || p.detached || !placeWithin(p, dir, name)) continue;
      done.add(p);
      const copy = copyTreeOf(table, src, 'peer');
      for (const m of treeMounts(copy)) fresh.add(m);
      pending.push({ tree: copy, on: p });
    }
    for (const s of [...table.list]) {
      if (s.master !== g || done.has(s) || fresh.has(s) || s.detached || !placeWithin(s, dir, name)) continue;
      done.add(s);
      const copy = copyTreeOf(table, src, 'slave');
      for (const m of treeMounts(copy)) fresh.add(m);
      if (s.group !== null) for (const m of treeMounts(copy)) joinGroup(m, table.newGroup());
      pending.push({ tree: copy, on: s });
      if (s.group !== null && !seen.has(s.group)) spread(s.group, copy, s);
    }
  };
  spread(dest.group, tree, dest);
  attachTree(table, tree, dest, dir, name, false);
  for (const { tree: t, on } of pending) attachTree(table, t, on, dir, name, true);
}

/** A copy of a whole (just built) tree, each mount related to its counterpart by how. */
function copyTreeOf(table: MountTable, src: Tree, how: CloneHow): Tree {
  const map = new Map<Mount, Mount>();
  const top = cloneMount(table, src.top, src.top.root, how);
  map.set(src.top, top);
  const rest: Tree['rest'] = [];
  for (const r of src.rest) {
    const m = cloneMount(table, r.m, r.m.root, how);
    map.set(r.m, m);
    rest.push({ m, parent: map.get(r.parent)!, dir: r.dir, name: r.name });
  }
  return { top, rest };
}

/**
 * The copies an unmount of m takes along (propagate_umount): at the same
 * place of every mount receiving from m's parent, the mount there, when
 * nothing is mounted on it but possibly one mount covering its root whole
 * (that one then moves down into its place).
 */
export function umountCopies(table: MountTable, m: Mount): Array<{ copy: Mount; topper: Mount | null }> {
  const out: Array<{ copy: Mount; topper: Mount | null }> = [];
  if (m.parent === null) return out;
  for (const p of receivers(table, m.parent)) {
    const c = table.childAt(p, m.mpKey);
    if (c === undefined || c === m || c.detached) continue;
    const kids = table.children(c);
    if (kids.length === 0) out.push({ copy: c, topper: null });
    else if (kids.length === 1 && kids[0].stacked) out.push({ copy: c, topper: kids[0] });
  }
  return out;
}

/** Takes copy out of the table; its topper (if any) moves down into its place. */
export function removeCopy(table: MountTable, copy: Mount, topper: Mount | null): void {
  const parent = copy.parent!, dir = copy.mpDir!, name = copy.mpName;
  table.remove(copy);
  detach(table, copy);
  if (topper !== null) table.reattach(topper, parent, dir, name);
}

/** The end of a mount's life in the namespace: out of its peer group, slaves handed on. */
export function detach(table: MountTable, m: Mount): void {
  leaveGroup(m, table);
  m.master = null;
  m.detached = true;
}

/** mount --make-{shared,private,slave,unbindable} of one mount (change_mnt_propagation). */
export function changePropagation(table: MountTable, m: Mount, type: 'shared' | 'private' | 'slave' | 'unbindable'): void {
  if (type === 'shared') {
    if (m.group === null) joinGroup(m, table.newGroup());
    m.unbindable = false;
    return;
  }
  // do_make_slave: a mount with peers becomes their slave; one without keeps its master.
  const g = m.group;
  const newMaster = g !== null && g.members.size > 1 ? g : m.master;
  if (g !== null) {
    g.members.delete(m);
    m.group = null;
    if (g.members.size === 0) for (const s of table.list) if (s.master === g) s.master = newMaster;
  }
  m.master = type === 'slave' ? newMaster : null;
  m.unbindable = type === 'unbindable';
}

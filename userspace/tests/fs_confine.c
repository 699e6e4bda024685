/*
 * fs_confine: tries every way out of the root a program has — .. chains
 * from / and from a dirfd, absolute and relative symlinks pointing up,
 * symlink loops, chdir/fchdir above /, rename, link and mkdir outside,
 * /proc/self/root and /proc/self/cwd — and reports whether it reached the
 * sentinel file "nommu-um-outside-sentinel" that the host-side test puts
 * next to (and above) the guest root.
 *
 * Under nommu-um every line must say "confined" and the exit status is 0.
 * Natively, run it inside a chroot of the same tree for the same output;
 * without one it reports ESCAPED where the sentinel is reachable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SENTINEL "nommu-um-outside-sentinel"
/* On the root filesystem, so rename and link "out" of it stay on one mount. */
#define SCRATCH "/fs_confine.d"

static int escaped;

static const char *ename(int e)
{
	switch (e) {
	case 0: return "OK";
	case ENOENT: return "ENOENT";
	case ENOTDIR: return "ENOTDIR";
	case ELOOP: return "ELOOP";
	case EACCES: return "EACCES";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	default: return "E?";
	}
}

/* Opens path; reaching a file whose content names the sentinel is an escape. */
static void try_open(const char *what, int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY);
	if (fd < 0) {
		printf("%s: confined (%s)\n", what, ename(errno));
		return;
	}
	char buf[64] = { 0 };
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n > 0 && strstr(buf, "sentinel") != NULL) {
		printf("%s: ESCAPED\n", what);
		escaped = 1;
	} else {
		printf("%s: confined (opened something else)\n", what);
	}
}

static void ups(char *out, size_t size, const char *prefix, int depth)
{
	size_t n = (size_t)snprintf(out, size, "%s", prefix);
	for (int i = 0; i < depth && n + 4 < size; i++)
		n += (size_t)snprintf(out + n, size - n, "../");
	snprintf(out + n, size - n, "%s", SENTINEL);
}

/* Creating something "outside" must land inside the root (where / is). */
static void check_created(const char *what, int rc, const char *inside)
{
	int err = rc < 0 ? errno : 0;
	struct stat st;
	int landed_inside = lstat(inside, &st) == 0;
	printf("%s: %s, %s\n", what, ename(err), landed_inside ? "landed inside /" : "nothing made");
	if (landed_inside) {
		if (S_ISDIR(st.st_mode))
			rmdir(inside);
		else
			unlink(inside);
	}
}

int main(void)
{
	char path[512];
	char cwd[256];

	mkdir(SCRATCH, 0755);

	for (int d = 1; d <= 6; d += 5) {
		char what[64];
		ups(path, sizeof path, "/", d);
		snprintf(what, sizeof what, "dotdot-from-root-%d", d);
		try_open(what, AT_FDCWD, path);
		ups(path, sizeof path, "", d);
		snprintf(what, sizeof what, "dotdot-relative-%d", d);
		try_open(what, AT_FDCWD, path);
	}
	int etc = open("/etc", O_RDONLY | O_DIRECTORY);
	ups(path, sizeof path, "", 8);
	try_open("dotdot-from-dirfd", etc, path);
	close(etc);

	ups(path, sizeof path, "/", 8);
	unlink(SCRATCH "/abs");
	symlink(path, SCRATCH "/abs");
	try_open("absolute-symlink", AT_FDCWD, SCRATCH "/abs");
	ups(path, sizeof path, "", 8);
	unlink(SCRATCH "/rel");
	symlink(path, SCRATCH "/rel");
	try_open("relative-symlink", AT_FDCWD, SCRATCH "/rel");
	unlink(SCRATCH "/up");
	symlink("../../../../../../..", SCRATCH "/up");
	try_open("symlink-to-dotdot", AT_FDCWD, SCRATCH "/up/" SENTINEL);

	unlink(SCRATCH "/loop");
	symlink("loop", SCRATCH "/loop");
	try_open("symlink-loop", AT_FDCWD, SCRATCH "/loop");

	for (int i = 0; i < 10; i++)
		if (chdir("..") != 0)
			break;
	printf("chdir-above-root: cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
	try_open("after-chdir", AT_FDCWD, SENTINEL);
	int root = open("/", O_RDONLY | O_DIRECTORY);
	if (fchdir(root) == 0 && chdir("../..") == 0)
		printf("fchdir-above-root: cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
	close(root);

	int fd = open(SCRATCH "/file", O_CREAT | O_WRONLY, 0644);
	close(fd);
	check_created("rename-out", rename(SCRATCH "/file", "/../../../nommu-um-created"), "/nommu-um-created");
	fd = open(SCRATCH "/file2", O_CREAT | O_WRONLY, 0644);
	close(fd);
	check_created("link-out", link(SCRATCH "/file2", "/../../../nommu-um-linked"), "/nommu-um-linked");
	check_created("mkdir-out", mkdir("/../../../nommu-um-mkdir", 0755), "/nommu-um-mkdir");
	check_created("symlink-out", symlink("x", "/../../nommu-um-symlink"), "/nommu-um-symlink");

	ssize_t n = readlink("/proc/self/root", path, sizeof path - 1);
	path[n > 0 ? n : 0] = 0;
	printf("proc-self-root: %s\n", path);
	ups(path, sizeof path, "/proc/self/root/", 8);
	try_open("proc-self-root-dotdot", AT_FDCWD, path);
	ups(path, sizeof path, "/proc/self/cwd/", 8);
	try_open("proc-self-cwd-dotdot", AT_FDCWD, path);

	unlink(SCRATCH "/abs");
	unlink(SCRATCH "/rel");
	unlink(SCRATCH "/up");
	unlink(SCRATCH "/loop");
	unlink(SCRATCH "/file2");
	rmdir(SCRATCH);
	printf("%s\n", escaped ? "RESULT: ESCAPED" : "RESULT: confined");
	return escaped;
}

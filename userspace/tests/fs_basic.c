/*
 * fs_basic: the file syscalls with their results and errnos printed, one
 * check per line, in a scratch directory under /tmp. The output is the same
 * natively and in the guest (nothing host-specific is printed: no inode
 * numbers, times, directory sizes or the scratch path).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *ename(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ EACCES, "EACCES" }, { EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ESPIPE, "ESPIPE" },
		{ EPIPE, "EPIPE" }, { ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
		{ ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" }, { ENXIO, "ENXIO" }, { EFAULT, "EFAULT" },
		{ ENOSPC, "ENOSPC" }, { EMFILE, "EMFILE" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].e == e)
			return t[i].n;
	return "E?";
}

/* Prints "label: value" for a result >= 0, "label: -1 ENAME" otherwise. */
static long show(const char *label, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", label, ename(errno));
	else
		printf("%s: %ld\n", label, r);
	return r;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *label, const char *dir)
{
	DIR *d = opendir(dir);
	char *names[64];
	int n = 0;
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL && n < 64)
		names[n++] = strdup(e->d_name);
	if (d != NULL)
		closedir(d);
	qsort(names, n, sizeof names[0], cmp);
	printf("ls %s:", label);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

int main(void)
{
	char dir[] = "/tmp/fs_basic.XXXXXX";
	char buf[256];
	struct stat st;

	signal(SIGPIPE, SIG_IGN);
	umask(022);
	if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
		perror("scratch dir");
		return 1;
	}

	/* open, write, read, lseek, pread, pwrite */
	int fd = show("open creat", open("f", O_CREAT | O_EXCL | O_RDWR, 0640));
	show("open excl again", open("f", O_CREAT | O_EXCL | O_RDWR, 0640));
	show("write", write(fd, "hello, world\n", 13));
	show("lseek set", lseek(fd, 7, SEEK_SET));
	memset(buf, 0, sizeof buf);
	show("read", read(fd, buf, sizeof buf));
	printf("read data: %s", buf);
	show("pread", pread(fd, buf, 5, 0));
	printf("pread data: %.5s\n", buf);
	show("pwrite", pwrite(fd, "HELLO", 5, 0));
	show("lseek cur", lseek(fd, 0, SEEK_CUR));
	show("lseek end", lseek(fd, -1, SEEK_END));
	show("lseek bad whence", lseek(fd, 0, 9));
	show("fstat", fstat(fd, &st));
	printf("mode %o size %lld nlink %lu\n", st.st_mode, (long long)st.st_size, (unsigned long)st.st_nlink);

	/* readv, writev */
	struct iovec iov[2] = { { "abc", 3 }, { "defg", 4 } };
	int v = show("open v", open("v", O_CREAT | O_RDWR | O_TRUNC, 0600));
	show("writev", writev(v, iov, 2));
	char a[2], b[8] = { 0 };
	struct iovec riov[2] = { { a, 2 }, { b, 8 } };
	show("preadv", preadv(v, riov, 2, 0));
	printf("preadv data: %.2s|%s\n", a, b);

	/* dup, fcntl */
	int d = show("dup", dup(fd));
	show("dup2", dup2(fd, 20));
	show("dup3 same", dup3(fd, fd, O_CLOEXEC));
	show("fcntl getfd", fcntl(20, F_GETFD));
	show("fcntl dupfd_cloexec", fcntl(fd, F_DUPFD_CLOEXEC, 30));
	show("fcntl getfd 30", fcntl(30, F_GETFD));
	show("fcntl getfl", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	show("fcntl setfl", fcntl(fd, F_SETFL, O_APPEND));
	show("fcntl getfl append", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
	show("close dup", close(d));
	show("close again", close(d));
	show("read bad fd", read(99, buf, 1));

	/* locks */
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	show("setlk", fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_RDLCK;
	show("getlk own", fcntl(fd, F_GETLK, &fl));
	printf("getlk type unlck: %d\n", fl.l_type == F_UNLCK);

	/* truncate */
	show("ftruncate", ftruncate(fd, 3));
	show("truncate", truncate("f", 2));
	stat("f", &st);
	printf("size after truncate %lld\n", (long long)st.st_size);
	show("truncate dir", truncate(".", 0));

	/* links */
	show("link", link("f", "g"));
	stat("f", &st);
	printf("nlink %lu\n", (unsigned long)st.st_nlink);
	show("symlink", symlink("f", "s"));
	ssize_t n = show("readlink", readlink("s", buf, sizeof buf));
	printf("readlink data: %.*s\n", (int)(n > 0 ? n : 0), buf);
	show("readlink regular", readlink("f", buf, sizeof buf));
	show("lstat", lstat("s", &st));
	printf("lstat link: %d\n", S_ISLNK(st.st_mode));
	show("symlink loop", symlink("loop", "loop"));
	show("open loop", open("loop", O_RDONLY));
	show("open nofollow", open("s", O_RDONLY | O_NOFOLLOW));

	/* directories */
	show("mkdir", mkdir("d", 0755));
	show("mkdir exists", mkdir("d", 0755));
	show("open in d", close(open("d/x", O_CREAT | O_WRONLY, 0644)));
	show("rmdir nonempty", rmdir("d"));
	show("unlink dir", unlink("d"));
	show("open dir wronly", open("d", O_WRONLY));
	show("open file as dir", open("f/", O_RDONLY));
	show("stat through file", stat("f/x", &st));
	show("rename", rename("g", "d/g"));
	show("renameat2 noreplace", syscall(SYS_renameat2, AT_FDCWD, "d/g", AT_FDCWD, "d/x", 1));
	show("renameat2 exchange", syscall(SYS_renameat2, AT_FDCWD, "d/g", AT_FDCWD, "f", 2));
	show("rename into self", rename("d", "d/sub"));
	list("scratch", ".");
	list("d", "d");
	show("chdir d", chdir("d"));
	if (getcwd(buf, sizeof buf) != NULL)
		printf("getcwd ends with /d: %d\n", strcmp(buf + strlen(buf) - 2, "/d") == 0);
	show("getcwd small", getcwd(buf, 2) == NULL ? -1 : 0);
	show("chdir ..", chdir(".."));

	/* modes and access */
	show("chmod", chmod("f", 0600));
	stat("f", &st);
	printf("mode %o\n", st.st_mode & 07777);
	show("access rw", access("f", R_OK | W_OK));
	show("access x", access("f", X_OK));
	show("access missing", access("nope", F_OK));
	char longname[300];
	memset(longname, 'a', 299);
	longname[299] = 0;
	show("open long name", open(longname, O_RDONLY));

	/* pipes */
	int p[2];
	show("pipe", pipe2(p, O_NONBLOCK));
	show("pipe write", write(p[1], "pipe!", 5));
	int avail = 0;
	show("fionread", ioctl(p[0], FIONREAD, &avail));
	printf("fionread %d\n", avail);
	struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	show("poll", poll(pf, 2, 0));
	printf("revents %x %x\n", pf[0].revents, pf[1].revents);
	show("pipe read", read(p[0], buf, sizeof buf));
	show("pipe read empty", read(p[0], buf, sizeof buf));
	show("pipe lseek", lseek(p[0], 0, SEEK_SET));
	close(p[0]);
	show("pipe write no reader", write(p[1], "x", 1));
	close(p[1]);

	/* FIFO */
	show("mkfifo", mkfifo("fifo", 0600));
	show("fifo open wr nonblock", open("fifo", O_WRONLY | O_NONBLOCK));
	int fr = show("fifo open rd nonblock", open("fifo", O_RDONLY | O_NONBLOCK));
	int fw = show("fifo open wr", open("fifo", O_WRONLY | O_NONBLOCK));
	show("fifo write", write(fw, "ff", 2));
	show("fifo read", read(fr, buf, sizeof buf));
	close(fw);
	close(fr);

	/* devices */
	int z = open("/dev/zero", O_RDONLY);
	show("read zero", read(z, buf, 4));
	printf("zero bytes %d%d%d%d\n", buf[0], buf[1], buf[2], buf[3]);
	close(z);
	int nul = open("/dev/null", O_RDWR);
	show("write null", write(nul, "x", 1));
	show("read null", read(nul, buf, 1));
	show("ioctl tcgets null", ioctl(nul, TCGETS, buf));
	close(nul);
	int full = open("/dev/full", O_WRONLY);
	show("write full", write(full, "x", 1));
	close(full);

	/* cleanup */
	unlink("f"); unlink("v"); unlink("s"); unlink("loop"); unlink("fifo");
	unlink("d/x"); unlink("d/g"); rmdir("d");
	show("rmdir scratch", rmdir(dir));
	return 0;
}

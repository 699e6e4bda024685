/*
 * fd_check.h: helpers shared by the special-fd tests (fd_*.c). Each test
 * prints one line per check, "label = result" with errno names, so that the
 * output of a native run and of a run in nommu-um can be compared as text.
 */
#ifndef FD_CHECK_H
#define FD_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static __attribute__((unused)) const char *fd_errname(int e)
{
	static char buf[16];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ELOOP: return "ELOOP";
	case ENOSYS: return "ENOSYS";
	case ECANCELED: return "ECANCELED";
	case EACCES: return "EACCES";
	default:
		snprintf(buf, sizeof buf, "E%d", e);
		return buf;
	}
}

/* Prints "label = value" or "label = -1 ENAME". */
#define SHOW(label, expr) do { \
	errno = 0; \
	long long r_ = (long long)(expr); \
	if (r_ < 0) \
		printf("%s = -1 %s\n", (label), fd_errname(errno)); \
	else \
		printf("%s = %lld\n", (label), r_); \
	fflush(stdout); \
} while (0)

/* Prints "label = ok" for a non-negative result (fds, whose numbers may differ between hosts). */
#define SHOW_OK(label, expr) do { \
	errno = 0; \
	long long r_ = (long long)(expr); \
	if (r_ < 0) \
		printf("%s = -1 %s\n", (label), fd_errname(errno)); \
	else \
		printf("%s = ok\n", (label)); \
	fflush(stdout); \
} while (0)

/* Dies with a message when a setup step fails. */
#define MUST(expr) do { \
	if ((long long)(expr) < 0) { \
		printf("setup failed: %s: %s\n", #expr, fd_errname(errno)); \
		exit(1); \
	} \
} while (0)

/*
 * Prints the lines of /proc/self/fdinfo/FD that start with one of the
 * given prefixes (NULL-terminated), each cut at the first occurrence of
 * `cut` when cut is not NULL (to drop host-specific inode numbers).
 */
static __attribute__((unused)) void fd_show_fdinfo(int fd, const char *const *prefixes, const char *cut)
{
	char path[64], buf[8192];
	int f, n;
	char *line, *save;

	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0) {
		printf("fdinfo: open failed: %s\n", fd_errname(errno));
		return;
	}
	n = read(f, buf, sizeof buf - 1);
	close(f);
	if (n < 0) {
		printf("fdinfo: read failed: %s\n", fd_errname(errno));
		return;
	}
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		for (const char *const *p = prefixes; *p != NULL; p++) {
			if (strncmp(line, *p, strlen(*p)) == 0) {
				char *c = cut != NULL ? strstr(line, cut) : NULL;
				if (c != NULL)
					*c = 0;
				printf("fdinfo: %s\n", line);
				break;
			}
		}
	}
	fflush(stdout);
}

/* The F_GETFL access mode and O_NONBLOCK, and the close-on-exec flag, of fd. */
static __attribute__((unused)) void fd_show_flags(const char *label, int fd)
{
	int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);

	printf("%s: accmode=%d nonblock=%d cloexec=%d\n", label, fl & O_ACCMODE, (fl & O_NONBLOCK) != 0,
	       (fdf & FD_CLOEXEC) != 0);
	fflush(stdout);
}

#endif

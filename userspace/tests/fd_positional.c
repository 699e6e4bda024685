/*
 * fd_positional: the special fds are streams — pread, pwrite, preadv and
 * pwritev give ESPIPE (no FMODE_PREAD/FMODE_PWRITE), even on an fd opened
 * read-only, while lseek succeeds and returns 0 (noop_llseek) — and a pipe,
 * which has no lseek at all, gives ESPIPE for both. A negative offset is
 * EINVAL before anything else. One "label = result" line per check, the same
 * natively and in nommu-um (fanotify needs CAP_SYS_ADMIN natively: without
 * it one line says so).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include "fd_check.h"

/* "label = value" or "label = -1 ENAME" (fd_errname has no ESPIPE). */
static void show(const char *label, long long r, int e)
{
	if (r >= 0)
		printf("%s = %lld\n", label, r);
	else
		printf("%s = -1 %s\n", label, e == ESPIPE ? "ESPIPE" : fd_errname(e));
}

static void checks(const char *kind, int fd)
{
	char label[96];
	uint64_t v = 1;
	char b[64];
	struct iovec rio = { b, sizeof b }, wio = { &v, sizeof v };

	if (fd < 0) {
		printf("%s: create = -1 %s\n", kind, fd_errname(errno));
		return;
	}
#define CHECK(what, expr) do { \
	snprintf(label, sizeof label, "%s: %s", kind, what); \
	errno = 0; \
	long long r_ = (long long)(expr); \
	show(label, r_, errno); \
} while (0)
	CHECK("pread", pread(fd, b, sizeof b, 0));
	CHECK("pwrite", pwrite(fd, &v, sizeof v, 0));
	CHECK("preadv", preadv(fd, &rio, 1, 0));
	CHECK("pwritev", pwritev(fd, &wio, 1, 0));
	CHECK("pread at -1", pread(fd, b, sizeof b, -1));
	CHECK("lseek(5, SEEK_SET)", lseek(fd, 5, SEEK_SET));
	CHECK("lseek(0, SEEK_END)", lseek(fd, 0, SEEK_END));
	CHECK("lseek(0, SEEK_CUR)", lseek(fd, 0, SEEK_CUR));
#undef CHECK
	close(fd);
}

int main(void)
{
	sigset_t m;
	int p[2];

	setvbuf(stdout, NULL, _IONBF, 0);
	sigemptyset(&m);
	checks("eventfd", eventfd(3, EFD_NONBLOCK));
	checks("timerfd", timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	checks("signalfd", signalfd(-1, &m, SFD_NONBLOCK));
	checks("epoll", epoll_create1(0));
	checks("inotify", inotify_init1(IN_NONBLOCK));
	if (pipe2(p, O_NONBLOCK) == 0) {
		checks("pipe read end", p[0]);
		checks("pipe write end", p[1]);
	}
	int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
	if (fan < 0 && errno == EPERM)
		printf("fanotify_init: EPERM (no CAP_SYS_ADMIN here): the fanotify checks run in nommu-um only\n");
	else
		checks("fanotify", fan);
	printf("fd_positional: done\n");
	return 0;
}

/*
 * fd_signalfd: signalfd(2) — blocked signals read as 128-byte
 * signalfd_siginfo records (kill, tkill and sigqueue layouts), several per
 * read, updating the mask of an existing signalfd, SIGKILL/SIGSTOP dropped
 * from the mask, poll and epoll readiness, errors, and fdinfo.
 */
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include "fd_check.h"

static void show_info(const struct signalfd_siginfo *si)
{
	printf("  ssi_signo=%u ssi_code=%d ssi_errno=%d pid_is_self=%d uid_is_self=%d ssi_int=%d ssi_ptr=%llu\n",
	       si->ssi_signo, si->ssi_code, si->ssi_errno, si->ssi_pid == (uint32_t)getpid(),
	       si->ssi_uid == (uint32_t)getuid(), si->ssi_int, (unsigned long long)si->ssi_ptr);
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

int main(void)
{
	static const char *const info[] = { "flags:", "sigmask:", NULL };
	struct signalfd_siginfo si[4];
	sigset_t block, m;
	int fd, n, ep, efd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);
	printf("fd_signalfd: start\n");
	printf("sizeof(struct signalfd_siginfo) = %zu, ssi_ptr at %zu, ssi_addr_lsb at %zu, ssi_arch at %zu\n",
	       sizeof(struct signalfd_siginfo), offsetof(struct signalfd_siginfo, ssi_ptr),
	       offsetof(struct signalfd_siginfo, ssi_addr_lsb), offsetof(struct signalfd_siginfo, ssi_arch));

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGRTMIN + 1);
	sigaddset(&block, SIGTERM);
	MUST(sigprocmask(SIG_BLOCK, &block, NULL));

	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGKILL);
	sigaddset(&m, SIGSTOP);
	fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
	SHOW_OK("signalfd(-1, {USR1,USR2,KILL,STOP}, NONBLOCK|CLOEXEC)", fd);
	fd_show_flags("flags", fd);
	fd_show_fdinfo(fd, info, NULL);
	SHOW("read nothing pending", read(fd, si, sizeof si[0]));
	printf("readable = %d\n", readable(fd));

	SHOW("raise(SIGUSR1)", raise(SIGUSR1));
	SHOW("kill(self, SIGUSR2)", kill(getpid(), SIGUSR2));
	SHOW("kill(self, SIGTERM)", kill(getpid(), SIGTERM));
	printf("readable = %d\n", readable(fd));
	SHOW("read with 100-byte buffer", read(fd, si, 100));
	n = read(fd, si, sizeof si);
	printf("read 4 records = %d bytes\n", n);
	for (int i = 0; i < n / (int)sizeof si[0]; i++)
		show_info(&si[i]);
	printf("readable = %d\n", readable(fd));
	{
		sigset_t p;

		sigpending(&p);
		printf("SIGTERM still pending = %d\n", sigismember(&p, SIGTERM));
	}

	/* Update the mask in place: now SIGTERM and SIGRTMIN+1. */
	sigemptyset(&m);
	sigaddset(&m, SIGTERM);
	sigaddset(&m, SIGRTMIN + 1);
	SHOW("signalfd(fd, {TERM,RTMIN+1}) returns fd", signalfd(fd, &m, 0) == fd);
	fd_show_fdinfo(fd, info, NULL);
	printf("readable = %d\n", readable(fd));
	SHOW("sigqueue(self, SIGRTMIN+1, 1234)", sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = 1234 }));
	n = read(fd, si, sizeof si);
	printf("read = %d bytes\n", n);
	for (int i = 0; i < n / (int)sizeof si[0]; i++)
		show_info(&si[i]);

	/* Readiness through epoll. */
	ep = epoll_create1(0);
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 }, out[2];

		SHOW("epoll_ctl add signalfd", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
		SHOW("epoll_wait nothing pending", epoll_wait(ep, out, 2, 0));
		SHOW("raise(SIGTERM)", raise(SIGTERM));
		n = epoll_wait(ep, out, 2, 1000);
		printf("epoll_wait = %d events=%#x data=%llu\n", n, n > 0 ? out[0].events : 0,
		       n > 0 ? (unsigned long long)out[0].data.u64 : 0);
		SHOW("read", read(fd, si, sizeof si));
		show_info(&si[0]);
		SHOW("epoll_wait after read", epoll_wait(ep, out, 2, 0));
	}
	close(ep);

	/* Errors. */
	SHOW("signalfd4 sizemask 4", syscall(SYS_signalfd4, -1, &m, 4, 0));
	SHOW("signalfd4 bad flags", syscall(SYS_signalfd4, -1, &m, 8, 1));
	SHOW("signalfd4 bad mask pointer", syscall(SYS_signalfd4, -1, (void *)8, 8, 0));
	SHOW("signalfd on bad fd", signalfd(999, &m, 0));
	efd = eventfd(0, 0);
	SHOW("signalfd on an eventfd", signalfd(efd, &m, 0));
	SHOW("signalfd(-2)", signalfd(-2, &m, 0));
	close(efd);
	close(fd);
	printf("fd_signalfd: done\n");
	return 0;
}

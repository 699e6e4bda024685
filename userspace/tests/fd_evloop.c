/*
 * fd_evloop: a small event loop — one epoll instance over a pipe, an
 * eventfd, a timerfd and a signalfd at once. Each handler causes the next
 * event, so the order of what happens is fixed: pipe data, an eventfd count,
 * a blocked signal, a one-shot timer, then all of them ready together, and
 * finally a periodic timer counted to 5 while the loop waits in epoll_pwait.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "fd_check.h"

enum { PIPE = 1, EVENT, TIMER, SIGNAL };
static const char *const names[] = { "?", "pipe", "eventfd", "timerfd", "signalfd" };

static int p[2], efd, tfd, sfd, ep;

static void arm(long ns, long interval_ns)
{
	struct itimerspec it = { .it_interval = { 0, interval_ns }, .it_value = { 0, ns } };

	MUST(timerfd_settime(tfd, 0, &it, NULL));
}

int main(void)
{
	struct epoll_event ev[8];
	sigset_t mask;
	uint64_t v;
	int round = 0, stage = 0;
	unsigned long long timer_total = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);
	printf("fd_evloop: start\n");
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	MUST(sigprocmask(SIG_BLOCK, &mask, NULL));
	MUST(pipe(p));
	MUST(fcntl(p[0], F_SETFL, O_NONBLOCK));
	MUST(efd = eventfd(0, EFD_NONBLOCK));
	MUST(tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	MUST(sfd = signalfd(-1, &mask, SFD_NONBLOCK));
	MUST(ep = epoll_create1(0));

	/* Two sources are ready before the loop starts. */
	MUST(write(p[1], "hello", 5));
	v = 3;
	MUST(write(efd, &v, 8));
	struct { int fd; uint32_t events; uint64_t tag; } srcs[] = {
		{ p[0], EPOLLIN, PIPE }, { efd, EPOLLIN, EVENT }, { tfd, EPOLLIN, TIMER }, { sfd, EPOLLIN | EPOLLET, SIGNAL },
	};
	for (int i = 0; i < 4; i++) {
		struct epoll_event e = { .events = srcs[i].events, .data.u64 = srcs[i].tag };
		MUST(epoll_ctl(ep, EPOLL_CTL_ADD, srcs[i].fd, &e));
	}

	while (stage < 5) {
		sigset_t none;
		int n;

		sigemptyset(&none);
		sigaddset(&none, SIGUSR1);
		n = epoll_pwait(ep, ev, 8, 5000, &none);
		if (n <= 0) {
			printf("epoll_pwait = %d %s\n", n, n < 0 ? fd_errname(errno) : "(timeout)");
			return 1;
		}
		if (stage < 4) {
			printf("round %d:", ++round);
			for (int i = 0; i < n; i++)
				printf(" %s", names[ev[i].data.u64]);
			printf("\n");
		}
		for (int i = 0; i < n; i++) {
			char buf[64];
			struct signalfd_siginfo si;
			int r;

			switch (ev[i].data.u64) {
			case PIPE:
				r = read(p[0], buf, sizeof buf);
				printf("  pipe: %d bytes \"%.*s\"\n", r, r > 0 ? r : 0, buf);
				break;
			case EVENT:
				if (read(efd, &v, 8) == 8)
					printf("  eventfd: %llu\n", (unsigned long long)v);
				if (stage == 0) {
					printf("  -> raise(SIGUSR1)\n");
					raise(SIGUSR1);
					stage = 1;
				}
				break;
			case SIGNAL:
				while (read(sfd, &si, sizeof si) == sizeof si)
					printf("  signalfd: signal %u\n", si.ssi_signo);
				if (stage == 1) {
					printf("  -> timer in 30ms\n");
					arm(30000000, 0);
					stage = 2;
				}
				break;
			case TIMER:
				if (read(tfd, &v, 8) != 8)
					break;
				if (stage == 2) {
					printf("  timerfd: %llu expiration\n", (unsigned long long)v);
					printf("  -> pipe, eventfd and signal at once\n");
					MUST(write(p[1], "bye", 3));
					v = 2;
					MUST(write(efd, &v, 8));
					raise(SIGUSR1);
					stage = 3;
				} else if (stage == 4) {
					timer_total += v;
					if (timer_total >= 5) {
						printf("  timerfd: at least 5 expirations counted\n");
						stage = 5;
					}
				}
				break;
			}
		}
		if (stage == 3 && round == 4) {
			printf("  -> periodic timer every 10ms\n");
			arm(10000000, 10000000);
			stage = 4;
		}
	}
	close(ep);
	close(sfd);
	close(tfd);
	close(efd);
	printf("fd_evloop: done\n");
	return 0;
}

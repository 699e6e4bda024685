/*
 * fd_timerfd: timerfd(2) — one-shot and periodic timers on the monotonic,
 * realtime and boottime clocks, TFD_TIMER_ABSTIME, the expiration count
 * (including overruns of a periodic timer nobody read), the old value from
 * timerfd_settime, timerfd_gettime, poll, the errors, and fdinfo. Timings
 * are chosen so that the printed values do not depend on the host's speed.
 */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include "fd_check.h"

static long long ns_of(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static struct timespec now(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t;
}

static void show_value(const char *label, const struct itimerspec *it)
{
	long long v = ns_of(it->it_value);

	printf("%s: interval=(%lld, %ld) value %s\n", label, (long long)it->it_interval.tv_sec, it->it_interval.tv_nsec,
	       v == 0 ? "= 0" : v <= 1000000000LL ? "in (0, 1s]" : "> 1s");
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

int main(void)
{
	static const char *const info[] = { "clockid:", "ticks:", "settime flags:", "it_interval:", NULL };
	struct itimerspec it, old;
	uint64_t ticks;
	int fd, rt, bt, efd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);
	printf("fd_timerfd: start\n");
	SHOW("timerfd_create(bad clock)", timerfd_create(123, 0));
	SHOW("timerfd_create(CLOCK_PROCESS_CPUTIME_ID)", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
	SHOW("timerfd_create(bad flags)", timerfd_create(CLOCK_MONOTONIC, 0x10));
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	SHOW_OK("timerfd_create(MONOTONIC, CLOEXEC)", fd);
	fd_show_flags("flags", fd);
	SHOW("gettime disarmed", timerfd_gettime(fd, &it));
	show_value("disarmed", &it);
	fd_show_fdinfo(fd, info, NULL);

	/* One-shot, relative. */
	it = (struct itimerspec){ .it_value = { 0, 30000000 } };
	SHOW("settime one-shot 30ms", timerfd_settime(fd, 0, &it, &old));
	show_value("old", &old);
	printf("readable before expiry = %d\n", readable(fd));
	ticks = 0;
	SHOW("blocking read", read(fd, &ticks, 8));
	printf("ticks = %llu\n", (unsigned long long)ticks);
	SHOW("gettime after one-shot", timerfd_gettime(fd, &it));
	show_value("after", &it);
	SHOW("fcntl O_NONBLOCK", fcntl(fd, F_SETFL, O_NONBLOCK));
	SHOW("read again", read(fd, &ticks, 8));
	SHOW("read 4 bytes", read(fd, &ticks, 4));

	/*
	 * Periodic, absolute start 9.5 s in the past: 10 expirations are due at
	 * once. On the realtime clock, whose value is large everywhere (the
	 * monotonic clock of a fresh guest may be below 9.5 s).
	 */
	{
		int rfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
		struct timespec t = now(CLOCK_REALTIME);
		long long start = ns_of(t) - 9500000000LL;

		it.it_interval = (struct timespec){ 1, 0 };
		it.it_value = (struct timespec){ start / 1000000000LL, start % 1000000000LL };
		SHOW("settime periodic abstime in the past", timerfd_settime(rfd, TFD_TIMER_ABSTIME, &it, &old));
		show_value("old", &old);
		printf("readable = %d\n", readable(rfd));
		fd_show_fdinfo(rfd, info, NULL);
		SHOW("read", read(rfd, &ticks, 8));
		printf("ticks = %llu\n", (unsigned long long)ticks);
		SHOW("gettime", timerfd_gettime(rfd, &it));
		show_value("periodic", &it);
		SHOW("read right after", read(rfd, &ticks, 8));
		close(rfd);
	}

	/* Re-arming returns the old setting; a zero value disarms. */
	it = (struct itimerspec){ .it_interval = { 0, 250000000 }, .it_value = { 5, 0 } };
	SHOW("settime 5s/250ms", timerfd_settime(fd, 0, &it, NULL));
	it = (struct itimerspec){ 0 };
	SHOW("settime disarm", timerfd_settime(fd, 0, &it, &old));
	printf("old: interval=(%lld, %ld) value %s\n", (long long)old.it_interval.tv_sec, old.it_interval.tv_nsec,
	       ns_of(old.it_value) > 4000000000LL && ns_of(old.it_value) <= 5000000000LL ? "in (4s, 5s]" : "wrong");
	SHOW("gettime disarmed", timerfd_gettime(fd, &it));
	show_value("disarmed", &it);

	/* Errors. */
	it = (struct itimerspec){ .it_value = { 0, 1000000000 } };
	SHOW("settime nsec=1e9", timerfd_settime(fd, 0, &it, NULL));
	it = (struct itimerspec){ .it_value = { -1, 0 } };
	SHOW("settime sec=-1", timerfd_settime(fd, 0, &it, NULL));
	it = (struct itimerspec){ .it_value = { 1, 0 } };
	SHOW("settime bad flags", timerfd_settime(fd, 4, &it, NULL));
	SHOW("settime bad fd", timerfd_settime(999, 0, &it, NULL));
	efd = eventfd(0, 0);
	SHOW("settime on eventfd", timerfd_settime(efd, 0, &it, NULL));
	SHOW("gettime on eventfd", timerfd_gettime(efd, &it));
	SHOW("gettime bad pointer", timerfd_gettime(fd, (struct itimerspec *)8));
	close(efd);
	close(fd);

	/* Realtime, absolute, 40 ms ahead. */
	rt = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	SHOW_OK("timerfd_create(REALTIME, NONBLOCK)", rt);
	{
		struct timespec t = now(CLOCK_REALTIME);
		long long at = ns_of(t) + 40000000LL;

		it = (struct itimerspec){ .it_value = { at / 1000000000LL, at % 1000000000LL } };
		SHOW("settime realtime abstime", timerfd_settime(rt, TFD_TIMER_ABSTIME, &it, NULL));
		fd_show_fdinfo(rt, info, NULL);
		SHOW("read before expiry", read(rt, &ticks, 8));
		struct pollfd p = { .fd = rt, .events = POLLIN };
		SHOW("poll until expiry", poll(&p, 1, 5000));
		printf("revents = %#x\n", p.revents);
		SHOW("read", read(rt, &ticks, 8));
		printf("ticks = %llu\n", (unsigned long long)ticks);
	}
	close(rt);

	/* Boottime, periodic 10 ms: blocking reads add up to at least 5 expirations. */
	bt = timerfd_create(CLOCK_BOOTTIME, 0);
	SHOW_OK("timerfd_create(BOOTTIME)", bt);
	it = (struct itimerspec){ .it_interval = { 0, 10000000 }, .it_value = { 0, 10000000 } };
	SHOW("settime boottime periodic 10ms", timerfd_settime(bt, 0, &it, NULL));
	{
		unsigned long long total = 0;
		int reads = 0;

		while (total < 5) {
			if (read(bt, &ticks, 8) != 8) {
				printf("read failed: %s\n", fd_errname(errno));
				break;
			}
			total += ticks;
			reads++;
		}
		printf("boottime total >= 5: %d (reads >= 1: %d)\n", total >= 5, reads >= 1);
	}
	close(bt);
	printf("fd_timerfd: done\n");
	return 0;
}

/*
 * fd_epoll: epoll(7) — level- and edge-triggered items, EPOLLONESHOT,
 * EPOLLEXCLUSIVE rules, hang-up on a pipe, the ready list's round robin,
 * nested epoll instances with loop and depth checks, removal of an item when
 * the last reference to its file description goes (not when one fd closes),
 * timeouts, epoll_pwait/epoll_pwait2, the errors, and fdinfo.
 */
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "fd_check.h"

static int wait_show(const char *label, int ep, int max, int timeout)
{
	struct epoll_event ev[8];
	int n;

	errno = 0;
	n = epoll_wait(ep, ev, max, timeout);
	if (n < 0) {
		printf("%s = -1 %s\n", label, fd_errname(errno));
		return n;
	}
	printf("%s = %d", label, n);
	for (int i = 0; i < n; i++)
		printf(" [%#x %llu]", ev[i].events, (unsigned long long)ev[i].data.u64);
	printf("\n");
	return n;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/*
 * The "tfd:" lines of the epoll's fdinfo, with the watched fd shown relative
 * to `base` and in the order of their data (Linux orders them by the address
 * of the file, which differs from run to run).
 */
static void show_tfd(int ep, int base)
{
	char path[64], buf[8192], *line, *save;
	struct { int fd; unsigned events; unsigned long long data; } items[32];
	int f, n, count = 0;

	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", ep);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0) {
		printf("fdinfo: open failed: %s\n", fd_errname(errno));
		return;
	}
	n = read(f, buf, sizeof buf - 1);
	close(f);
	buf[n > 0 ? n : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line != NULL && count < 32; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "tfd: %d events: %x data: %llx", &items[count].fd, &items[count].events,
			   &items[count].data) == 3)
			count++;
	}
	for (int i = 0; i < count; i++)
		for (int j = i + 1; j < count; j++)
			if (items[j].data < items[i].data) {
				__typeof__(items[0]) t = items[i];
				items[i] = items[j];
				items[j] = t;
			}
	printf("fdinfo: %d items\n", count);
	for (int i = 0; i < count; i++)
		printf("fdinfo: tfd=base+%d events=%x data=%llx\n", items[i].fd - base, items[i].events, items[i].data);
}

static long long mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int main(void)
{
	char buf[64];
	int ep, p[2], q[2], r[2], e1, e2, e3, reg, dupfd;
	uint64_t one = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);
	printf("fd_epoll: start\n");
	printf("sizeof(struct epoll_event) = %zu, data at %zu\n", sizeof(struct epoll_event),
	       offsetof(struct epoll_event, data));
	SHOW("epoll_create(0)", syscall(SYS_epoll_create, 0));
	SHOW("epoll_create(-1)", syscall(SYS_epoll_create, -1));
	SHOW_OK("epoll_create(1)", (e1 = syscall(SYS_epoll_create, 1)));
	close(e1);
	SHOW("epoll_create1(bad flags)", epoll_create1(1));
	ep = epoll_create1(EPOLL_CLOEXEC);
	SHOW_OK("epoll_create1(EPOLL_CLOEXEC)", ep);
	fd_show_flags("flags", ep);
	MUST(pipe(p));
	MUST(pipe(q));
	MUST(pipe(r));

	/* Level-triggered. */
	SHOW("add pipe read end, EPOLLIN", add(ep, p[0], EPOLLIN, 1));
	wait_show("wait empty", ep, 8, 0);
	SHOW("write 3 bytes", write(p[1], "abc", 3));
	wait_show("wait LT", ep, 8, 0);
	wait_show("wait LT again", ep, 8, 0);
	SHOW("read 3 bytes", read(p[0], buf, sizeof buf));
	wait_show("wait LT drained", ep, 8, 0);

	/* Edge-triggered. */
	SHOW("add pipe q, EPOLLIN|EPOLLET", add(ep, q[0], EPOLLIN | EPOLLET, 2));
	SHOW("write q", write(q[1], "x", 1));
	wait_show("wait ET", ep, 8, 0);
	wait_show("wait ET again", ep, 8, 0);
	SHOW("write q more", write(q[1], "y", 1));
	wait_show("wait ET new data", ep, 8, 0);
	SHOW("read q", read(q[0], buf, sizeof buf));

	/* One-shot. */
	SHOW("add pipe r, EPOLLIN|EPOLLONESHOT", add(ep, r[0], EPOLLIN | EPOLLONESHOT, 3));
	SHOW("write r", write(r[1], "z", 1));
	wait_show("wait oneshot", ep, 8, 0);
	wait_show("wait oneshot disabled", ep, 8, 0);
	SHOW("write r more", write(r[1], "z", 1));
	wait_show("wait oneshot still disabled", ep, 8, 0);
	show_tfd(ep, p[0]);
	SHOW("mod r rearm", mod(ep, r[0], EPOLLIN | EPOLLONESHOT, 4));
	wait_show("wait rearmed", ep, 8, 0);
	SHOW("read r", read(r[0], buf, sizeof buf));

	/* Output readiness and hang-up. */
	SHOW("add write end of p, EPOLLOUT", add(ep, p[1], EPOLLOUT, 5));
	wait_show("wait writable", ep, 8, 0);
	SHOW("del write end", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	SHOW("mod p EPOLLIN|EPOLLRDHUP", mod(ep, p[0], EPOLLIN | EPOLLRDHUP, 1));
	SHOW("close write end", close(p[1]));
	wait_show("wait hang-up", ep, 8, 0);
	SHOW("del p", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	close(p[0]);
	SHOW("del q", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL));
	SHOW("del r", epoll_ctl(ep, EPOLL_CTL_DEL, r[0], NULL));

	/* Round robin among level-triggered items. */
	e1 = eventfd(1, 0);
	e2 = eventfd(1, 0);
	e3 = eventfd(1, 0);
	SHOW("add e1", add(ep, e1, EPOLLIN, 11));
	SHOW("add e2", add(ep, e2, EPOLLIN, 12));
	SHOW("add e3", add(ep, e3, EPOLLIN, 13));
	wait_show("wait max 2", ep, 2, 0);
	wait_show("wait max 2", ep, 2, 0);
	wait_show("wait max 2", ep, 2, 0);
	wait_show("wait all", ep, 8, 0);

	/* Errors. */
	SHOW("add e1 again", add(ep, e1, EPOLLIN, 0));
	SHOW("mod unknown fd", mod(ep, q[0], EPOLLIN, 0));
	SHOW("del unknown fd", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL));
	SHOW("add bad fd", add(ep, 999, EPOLLIN, 0));
	SHOW("add to bad epfd", add(999, e1, EPOLLIN, 0));
	SHOW("add to non-epoll", add(e1, e2, EPOLLIN, 0));
	SHOW("add epoll to itself", add(ep, ep, EPOLLIN, 0));
	SHOW("bad op", epoll_ctl(ep, 9, e1, &(struct epoll_event){ 0 }));
	SHOW("add with bad event pointer", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], (struct epoll_event *)8));
	reg = open("/tmp", O_RDONLY | O_DIRECTORY);
	SHOW("add a directory", add(ep, reg, EPOLLIN, 0));
	close(reg);
	reg = open("/tmp/fd_epoll.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
	SHOW("add a regular file", add(ep, reg, EPOLLIN, 0));
	close(reg);
	unlink("/tmp/fd_epoll.tmp");
	SHOW("EPOLLEXCLUSIVE add", add(ep, q[0], EPOLLIN | EPOLLEXCLUSIVE, 20));
	SHOW("EPOLLEXCLUSIVE mod", mod(ep, q[0], EPOLLIN | EPOLLEXCLUSIVE, 20));
	SHOW("mod of an exclusive item", mod(ep, q[0], EPOLLIN, 20));
	SHOW("EPOLLEXCLUSIVE with EPOLLONESHOT", add(ep, r[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 21));
	SHOW("del exclusive", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL));
	SHOW("wait maxevents 0", epoll_wait(ep, (struct epoll_event[1]){ 0 }, 0, 0));
	SHOW("wait bad epfd", epoll_wait(999, (struct epoll_event[1]){ 0 }, 1, 0));
	SHOW("wait non-epoll", epoll_wait(e1, (struct epoll_event[1]){ 0 }, 1, 0));
	SHOW("wait bad events pointer", epoll_wait(ep, (struct epoll_event *)8, 1, 0));
	SHOW("del e1", epoll_ctl(ep, EPOLL_CTL_DEL, e1, NULL));
	SHOW("del e2", epoll_ctl(ep, EPOLL_CTL_DEL, e2, NULL));
	SHOW("del e3", epoll_ctl(ep, EPOLL_CTL_DEL, e3, NULL));

	/* Items live as long as the file description, not the fd. */
	dupfd = dup(e1);
	SHOW("add e1 again", add(ep, e1, EPOLLIN, 31));
	SHOW("close e1 (a dup stays)", close(e1));
	wait_show("wait after close of one fd", ep, 8, 0);
	SHOW("del closed fd", epoll_ctl(ep, EPOLL_CTL_DEL, e1, NULL));
	SHOW("close the dup", close(dupfd));
	wait_show("wait after last close", ep, 8, 0);
	{
		int again = eventfd(1, 0);

		printf("new eventfd reuses the fd number = %d\n", again == e1);
		SHOW("add the new file under that fd", add(ep, again, EPOLLIN, 32));
		wait_show("wait", ep, 8, 0);
		SHOW("del", epoll_ctl(ep, EPOLL_CTL_DEL, again, NULL));
		close(again);
	}

	/* Nesting, loops and depth. */
	{
		int outer = epoll_create1(0), chain[7];
		struct pollfd pf = { .fd = ep, .events = POLLIN };

		SHOW("add e2 to ep", add(ep, e2, EPOLLIN, 12));
		SHOW("add ep to outer", add(outer, ep, EPOLLIN, 40));
		wait_show("wait outer", outer, 8, 0);
		SHOW("poll ep", poll(&pf, 1, 0));
		printf("revents = %#x\n", pf.revents);
		SHOW("add outer to ep (loop)", add(ep, outer, EPOLLIN, 0));
		SHOW("EPOLLEXCLUSIVE on an epoll", add(outer, e3, EPOLLIN, 0) == 0 &&
		     add(chain[0] = epoll_create1(0), outer, EPOLLIN | EPOLLEXCLUSIVE, 0) < 0 && errno == EINVAL);
		close(chain[0]);
		SHOW("read e2", read(e2, &one, 8));
		SHOW("read e3", read(e3, &one, 8));
		wait_show("wait outer drained", outer, 8, 0);
		for (int i = 0; i < 7; i++)
			chain[i] = epoll_create1(0);
		for (int i = 0; i < 6; i++) {
			snprintf(buf, sizeof buf, "chain: add epoll %d into epoll %d", i + 1, i);
			SHOW(buf, add(chain[i], chain[i + 1], EPOLLIN, i));
		}
		snprintf(buf, sizeof buf, "chain: add epoll 0 into epoll 6");
		SHOW(buf, add(chain[6], chain[0], EPOLLIN, 0));
		for (int i = 0; i < 7; i++)
			close(chain[i]);
		close(outer);
	}

	/* Timeouts and the pwait variants. */
	{
		long long t0 = mono_ms();
		sigset_t mask;
		struct timespec ts = { 0, 0 };
		struct epoll_event ev[2];

		wait_show("wait 50ms timeout", ep, 8, 50);
		printf("waited at least 50ms = %d\n", mono_ms() - t0 >= 50);
		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR1);
		SHOW("epoll_pwait", epoll_pwait(ep, ev, 2, 0, &mask));
		SHOW("epoll_pwait bad sigsetsize", syscall(SYS_epoll_pwait, ep, ev, 2, 0, &mask, 4));
		SHOW("epoll_pwait2 zero timeout", syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8));
		ts.tv_nsec = 1000000000;
		SHOW("epoll_pwait2 bad timespec", syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8));
		ts = (struct timespec){ 0, 20000000 };
		t0 = mono_ms();
		SHOW("epoll_pwait2 20ms", syscall(SYS_epoll_pwait2, ep, ev, 2, &ts, NULL, 8));
		printf("waited at least 20ms = %d\n", mono_ms() - t0 >= 20);
		SHOW("write e2", write(e2, &one, 8));
		SHOW("epoll_pwait2 no timeout, ready", syscall(SYS_epoll_pwait2, ep, ev, 2, NULL, NULL, 8));
		printf("event = [%#x %llu]\n", ev[0].events, (unsigned long long)ev[0].data.u64);
	}
	show_tfd(ep, e2);
	SHOW("close ep", close(ep));
	printf("fd_epoll: done\n");
	return 0;
}

/*
 * fd_eventfd: eventfd(2) semantics — counter and semaphore modes, the
 * 8-byte rule, the 0xffffffffffffffff limit, EAGAIN at both ends, poll,
 * select, a read that blocks until another thread writes, and fdinfo.
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include "fd_check.h"

static int efd_shared;

static void *writer(void *arg)
{
	uint64_t v = 42;

	(void)arg;
	usleep(20000);
	if (write(efd_shared, &v, 8) != 8)
		printf("writer: write failed\n");
	return NULL;
}

static int revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

int main(void)
{
	static const char *const info[] = { "flags:", "eventfd-count:", "eventfd-semaphore:", NULL };
	uint64_t v;
	uint32_t small = 1;
	int fd, sem, blk;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);
	printf("fd_eventfd: start\n");
	SHOW("eventfd2 bad flags", syscall(SYS_eventfd2, 0, 0x10));
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	SHOW_OK("eventfd(0, NONBLOCK|CLOEXEC)", fd);
	fd_show_flags("flags", fd);
	printf("poll empty = %#x\n", revents(fd));
	SHOW("read empty", read(fd, &v, 8));
	v = 5;
	SHOW("write 5", write(fd, &v, 8));
	v = 7;
	SHOW("write 7", write(fd, &v, 8));
	printf("poll after writes = %#x\n", revents(fd));
	fd_show_fdinfo(fd, info, NULL);
	v = 0;
	SHOW("read 16-byte buffer", read(fd, (char[16]){ 0 }, 16));
	SHOW("read 4-byte buffer", read(fd, &small, 4));
	SHOW("write 4 bytes", write(fd, &small, 4));
	v = 3;
	SHOW("write 3", write(fd, &v, 8));
	SHOW("read", read(fd, &v, 8));
	printf("value = %llu\n", (unsigned long long)v);
	v = 0xffffffffffffffffULL;
	SHOW("write 0xffffffffffffffff", write(fd, &v, 8));
	v = 0xfffffffffffffffeULL;
	SHOW("write 0xfffffffffffffffe", write(fd, &v, 8));
	printf("poll at max = %#x\n", revents(fd));
	v = 1;
	SHOW("write 1 at max", write(fd, &v, 8));
	v = 0;
	SHOW("write 0 at max", write(fd, &v, 8));
	fd_show_fdinfo(fd, info, NULL);
	SHOW("read max", read(fd, &v, 8));
	printf("value = %#llx\n", (unsigned long long)v);
	SHOW("lseek", lseek(fd, 0, SEEK_SET));
	SHOW("close", close(fd));

	sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	SHOW_OK("eventfd(3, SEMAPHORE|NONBLOCK)", sem);
	fd_show_fdinfo(sem, info, NULL);
	for (int i = 0; i < 4; i++) {
		v = 0;
		errno = 0;
		long r = read(sem, &v, 8);
		printf("semaphore read %d = %ld %s value=%llu\n", i, r, r < 0 ? fd_errname(errno) : "", (unsigned long long)v);
	}
	v = 2;
	SHOW("semaphore write 2", write(sem, &v, 8));
	{
		fd_set rs;
		struct timeval tv = { 0, 0 };

		FD_ZERO(&rs);
		FD_SET(sem, &rs);
		SHOW("select readable", select(sem + 1, &rs, NULL, NULL, &tv));
		printf("select set = %d\n", FD_ISSET(sem, &rs) != 0);
	}
	close(sem);

	blk = eventfd(0, 0);
	SHOW_OK("eventfd(0, 0)", blk);
	fd_show_flags("flags", blk);
	efd_shared = blk;
	{
		pthread_t th;

		MUST(-pthread_create(&th, NULL, writer, NULL));
		SHOW("blocking read", read(blk, &v, 8));
		printf("value = %llu\n", (unsigned long long)v);
		pthread_join(th, NULL);
	}
	SHOW("eventfd(7) via eventfd syscall", syscall(SYS_eventfd, 7) >= 0);
	printf("fd_eventfd: done\n");
	return 0;
}

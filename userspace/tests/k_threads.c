/*
 * k_threads: POSIX threads over clone(CLONE_VM|CLONE_THREAD|...) and futex.
 *   - N workers share a counter under a mutex and hand work through a
 *     condition variable; all are joined and the totals add up;
 *   - each thread has its own TLS and its own tid; pthread_exit values
 *     reach pthread_join; a detached thread finishes on its own;
 *   - a thread blocked in read() on a pipe is woken by another's write;
 *   - a timed wait on a condition variable times out.
 * Prints one line per check; exits 0 when all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define N 8
#define ITEMS 2000

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static pthread_cond_t room = PTHREAD_COND_INITIALIZER;
static int queue[16], qhead, qlen, produced_all;
static long consumed_sum, counter;
static __thread int tls_value;
static pid_t tids[N];

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	tls_value = id * 100;
	tids[id] = (pid_t)syscall(SYS_gettid);
	long mine = 0;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (qlen == 0 && !produced_all)
			pthread_cond_wait(&more, &lock);
		if (qlen == 0 && produced_all) {
			pthread_mutex_unlock(&lock);
			break;
		}
		int v = queue[qhead];
		qhead = (qhead + 1) % 16;
		qlen--;
		consumed_sum += v;
		counter++;
		pthread_cond_signal(&room);
		pthread_mutex_unlock(&lock);
		mine++;
		sched_yield();
	}
	if (tls_value != id * 100)
		return (void *)-1L;
	pthread_exit((void *)mine);
}

static void producer_consumer(void)
{
	pthread_t th[N];
	int created = 0;
	for (long i = 0; i < N; i++)
		created += pthread_create(&th[i], NULL, worker, (void *)i) == 0;
	check(created == N, "pthread_create of 8 threads");
	long expect = 0;
	for (int v = 1; v <= ITEMS; v++) {
		pthread_mutex_lock(&lock);
		while (qlen == 16)
			pthread_cond_wait(&room, &lock);
		queue[(qhead + qlen) % 16] = v;
		qlen++;
		expect += v;
		pthread_cond_signal(&more);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	produced_all = 1;
	pthread_cond_broadcast(&more);
	pthread_mutex_unlock(&lock);
	long total = 0;
	int bad = 0;
	for (int i = 0; i < N; i++) {
		void *ret;
		if (pthread_join(th[i], &ret) != 0 || ret == (void *)-1L)
			bad++;
		else
			total += (long)ret;
	}
	check(bad == 0, "all workers joined with their own TLS intact");
	check(total == ITEMS && counter == ITEMS, "every item consumed exactly once");
	check(consumed_sum == expect, "the sum of consumed items matches");
	int distinct = 1;
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (tids[i] == tids[j] || tids[i] == getpid())
				distinct = 0;
	check(distinct, "every thread has its own tid, none the pid");
}

static int pipefd[2];
static char got[8];

static void *reader(void *arg)
{
	(void)arg;
	ssize_t n = read(pipefd[0], got, sizeof got - 1);
	return (void *)n;
}

static void blocking_read(void)
{
	pipe(pipefd);
	pthread_t th;
	pthread_create(&th, NULL, reader, NULL);
	struct timespec d = { 0, 50 * 1000 * 1000 };
	nanosleep(&d, NULL);
	write(pipefd[1], "ping", 4);
	void *ret;
	pthread_join(th, &ret);
	check((long)ret == 4 && strcmp(got, "ping") == 0, "a thread blocked in read() is woken by another thread's write");
	close(pipefd[0]);
	close(pipefd[1]);
}

static volatile int detached_done;
static void *detached(void *arg)
{
	(void)arg;
	detached_done = 1;
	return NULL;
}

static void detach_and_timeout(void)
{
	pthread_t th;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_create(&th, &a, detached, NULL);
	struct timespec d = { 0, 1000 * 1000 };
	for (int i = 0; i < 5000 && !detached_done; i++)
		nanosleep(&d, NULL);
	check(detached_done, "a detached thread runs to completion");

	pthread_mutex_lock(&lock);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	int r = pthread_cond_timedwait(&more, &lock, &ts);
	pthread_mutex_unlock(&lock);
	check(r == ETIMEDOUT, "pthread_cond_timedwait times out");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	producer_consumer();
	blocking_read();
	detach_and_timeout();
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}

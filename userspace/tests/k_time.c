/*
 * k_time: clocks, sleeps, timers and the identity calls.
 *   - clock_gettime on every clock, monotonic never going back, resolutions;
 *   - nanosleep and clock_nanosleep (relative and TIMER_ABSTIME) sleep at
 *     least as long as asked; an interrupted nanosleep reports the rest;
 *   - gettimeofday/time agree with CLOCK_REALTIME; times, getrusage;
 *   - alarm returns the previous alarm's seconds; getitimer counts down;
 *   - uname, sethostname, sysinfo, getrandom, rlimits, umask, ids, affinity.
 * With `k_time values` it prints clock readings and random bytes instead (the
 * test harness runs it twice under --deterministic and compares).
 * Prints one line per check; exits 0 when all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static int64_t ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void clocks(void)
{
	clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
		CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
	int ok = 1;
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct timespec ts;
		ok = ok && clock_gettime(ids[i], &ts) == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000;
	}
	check(ok, "clock_gettime on every clock");
	struct timespec ts;
	errno = 0;
	check(clock_gettime(99, &ts) == -1 && errno == EINVAL, "an unknown clock: EINVAL");
	int mono = 1;
	int64_t prev = ns(CLOCK_MONOTONIC);
	for (int i = 0; i < 1000; i++) {
		int64_t now = ns(CLOCK_MONOTONIC);
		mono = mono && now >= prev;
		prev = now;
	}
	check(mono, "CLOCK_MONOTONIC never goes back");
	struct timespec res;
	check(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000,
		"CLOCK_MONOTONIC resolution is fine-grained");
	struct timeval tv;
	gettimeofday(&tv, NULL);
	int64_t rt = ns(CLOCK_REALTIME);
	int64_t gt = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
	check(rt >= gt && rt - gt < 5000000000LL, "gettimeofday agrees with CLOCK_REALTIME");
	time_t t = time(NULL);
	check(t >= tv.tv_sec && t - tv.tv_sec < 5, "time agrees with gettimeofday");
	check(t > 1600000000, "the realtime clock is in this century");
}

static volatile int alarmed;
static void on_alarm(int sig) { (void)sig; alarmed++; }

static void sleeps(void)
{
	int64_t t0 = ns(CLOCK_MONOTONIC);
	struct timespec d = { 0, 20 * 1000 * 1000 };
	check(nanosleep(&d, NULL) == 0, "nanosleep 20 ms");
	check(ns(CLOCK_MONOTONIC) - t0 >= 20000000, "nanosleep slept at least 20 ms");
	t0 = ns(CLOCK_MONOTONIC);
	check(clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL) == 0, "clock_nanosleep relative");
	check(ns(CLOCK_MONOTONIC) - t0 >= 20000000, "clock_nanosleep slept at least 20 ms");
	struct timespec abs;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 20 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	check(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL) == 0, "clock_nanosleep TIMER_ABSTIME on CLOCK_REALTIME");
	int64_t end = (int64_t)abs.tv_sec * 1000000000 + abs.tv_nsec;
	check(ns(CLOCK_REALTIME) >= end, "woke no earlier than the absolute time");
	struct timespec bad = { 0, 1000000000 };
	check(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL, "tv_nsec out of range: EINVAL");

	/* An interrupted nanosleep reports the remaining time. */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 30000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec longer = { 2, 0 }, rem = { 0, 0 };
	errno = 0;
	int r = nanosleep(&longer, &rem);
	check(r == -1 && errno == EINTR && alarmed == 1, "nanosleep interrupted by a handled SIGALRM: EINTR");
	check(rem.tv_sec == 1, "the remaining time is reported");

	check(alarm(10) == 0, "alarm: no previous alarm");
	unsigned prev = alarm(0);
	check(prev == 10 || prev == 9, "alarm returns the seconds left of the previous one");
	struct itimerval cur;
	it = (struct itimerval){ { 1, 0 }, { 5, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &cur);
	check(cur.it_interval.tv_sec == 1 && cur.it_value.tv_sec <= 5 && (cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0),
		"getitimer shows the interval and the time left");
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &cur);
	check(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0, "a zero value disarms the timer");
	signal(SIGALRM, SIG_DFL);
}

static void accounting(void)
{
	volatile double x = 0;
	for (int i = 0; i < 200000; i++)
		x += i;
	struct tms tb;
	clock_t c = times(&tb);
	check(c != (clock_t)-1, "times");
	struct rusage ru;
	check(getrusage(RUSAGE_SELF, &ru) == 0 && (ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0), "getrusage: user time");
	check(getrusage(RUSAGE_CHILDREN, &ru) == 0, "getrusage RUSAGE_CHILDREN");
	errno = 0;
	check(getrusage(5, &ru) == -1 && errno == EINVAL, "getrusage with a bad who: EINVAL");
	check(ns(CLOCK_PROCESS_CPUTIME_ID) > 0, "CLOCK_PROCESS_CPUTIME_ID advances");
}

static void identity(void)
{
	struct utsname u;
	check(uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0, "uname: Linux x86_64");
	printf("info: release %s\n", u.release);
	char orig[sizeof u.nodename];
	strcpy(orig, u.nodename);
	check(sethostname("guesthost", 9) == 0, "sethostname as root");
	uname(&u);
	check(strcmp(u.nodename, "guesthost") == 0, "uname shows the new hostname");
	sethostname(orig, strlen(orig));
	struct sysinfo si;
	check(sysinfo(&si) == 0 && si.totalram > 0 && si.freeram <= si.totalram && si.mem_unit == 1 && si.procs >= 1, "sysinfo");
	unsigned char rnd[64];
	memset(rnd, 0, sizeof rnd);
	check(getrandom(rnd, sizeof rnd, 0) == (ssize_t)sizeof rnd, "getrandom 64 bytes");
	int nz = 0;
	for (unsigned i = 0; i < sizeof rnd; i++)
		nz += rnd[i] != 0;
	check(nz > 32, "random bytes are not all zero");
	errno = 0;
	check(getrandom(rnd, 8, 0x100) == -1 && errno == EINVAL, "getrandom with unknown flags: EINVAL");
	check(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0, "the guest user is root");
	struct rlimit rl;
	check(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 64, "getrlimit RLIMIT_NOFILE");
	struct rlimit low = { 16, rl.rlim_max };
	check(setrlimit(RLIMIT_NOFILE, &low) == 0, "lower RLIMIT_NOFILE to 16");
	int fds = 0, fd;
	while ((fd = dup(0)) >= 0)
		fds++;
	check(errno == EMFILE && fds == 16 - 3, "dup stops at the limit with EMFILE");
	for (int i = 3; i < 16; i++)
		close(i);
	setrlimit(RLIMIT_NOFILE, &rl);
	struct rlimit bad = { 10, 5 };
	errno = 0;
	check(setrlimit(RLIMIT_NOFILE, &bad) == -1 && errno == EINVAL, "soft above hard: EINVAL");
	mode_t old = umask(027);
	check(umask(old) == 027, "umask returns the previous mask");
	cpu_set_t set;
	CPU_ZERO(&set);
	check(sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1, "sched_getaffinity");
	check(sched_yield() == 0, "sched_yield");
	unsigned cpu = 99;
	check(syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 && cpu < 1024, "getcpu");
	check(getpriority(PRIO_PROCESS, 0) == 0, "getpriority (nice 0)");
	errno = 0;
	check(syscall(500) == -1 && errno == ENOSYS, "an unassigned syscall number (500): ENOSYS");
	errno = 0;
	check(syscall(1000) == -1 && errno == ENOSYS, "a number past the trampoline sled (1000): ENOSYS");
}

/*
 * The 8 bytes below rsp (red zone) survive a syscall: the rewritten
 * `call *%rax` pushes its return address there, and the kernel gate must put
 * the caller's bytes back (DESIGN.md decision 6).
 */
__attribute__((noinline)) static void red_zone(void)
{
	long r;
	unsigned long below8, below16;
	__asm__ volatile(
		"movabs $0x1122334455667788, %%rdx\n\t"
		"mov %%rdx, -8(%%rsp)\n\t"
		"movabs $0x99aabbccddeeff00, %%rdx\n\t"
		"mov %%rdx, -16(%%rsp)\n\t"
		"mov $39, %%eax\n\t"
		"syscall\n\t"
		"mov -8(%%rsp), %1\n\t"
		"mov -16(%%rsp), %2\n\t"
		: "=a"(r), "=r"(below8), "=r"(below16) : : "rcx", "rdx", "r11", "memory");
	check(r == getpid(), "a raw syscall instruction in the program works");
	check(below8 == 0x1122334455667788ul && below16 == 0x99aabbccddeeff00ul, "the red zone below rsp survives a syscall");
}

static void values(void)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_REALTIME, &b);
	unsigned char rnd[8];
	getrandom(rnd, sizeof rnd, 0);
	printf("monotonic %lld.%09ld realtime %lld.%09ld random %02x%02x%02x%02x%02x%02x%02x%02x\n",
		(long long)a.tv_sec, a.tv_nsec, (long long)b.tv_sec, b.tv_nsec,
		rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "values") == 0) {
		values();
		return 0;
	}
	clocks();
	sleeps();
	accounting();
	identity();
	red_zone();
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}

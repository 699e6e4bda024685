/*
 * lat_syscall: lmbench-style latency of one system-call path, with the row
 * names of the nommu UML paper's table. Each row runs a warm-up, then times
 * N operations with CLOCK_MONOTONIC and prints one line:
 *
 *   row=syscall iterations=100000 warmup=10000 total_ns=1734000 ns_per_op=17.340
 *
 * The output uses integer arithmetic only (no printf of doubles), so it runs
 * on a simulated CPU before its x87/SSE support is complete. It is a PIE
 * linked against musl and runs natively too, through the host's musl loader.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct options {
	long iterations;      /* 0: the row's default */
	long warmup;          /* -1: a tenth of the iterations */
	const char *file;     /* stat, open/close and select on files */
	const char *true_path;
	const char *sh_path;
	int select_pipes;     /* select on pipe read ends instead of a file */
};

struct row_state {
	const struct options *opt;
	int fd;               /* /dev/zero, /dev/null */
	int nfds;             /* select: watched descriptors */
	int maxfd;
	fd_set set;
	int expect_ready;
};

static const char *prog = "lat_syscall";

static void fail(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s: %s\n", prog, what, arg ? " " : "", arg ? arg : "", strerror(errno));
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fail("clock_gettime", NULL);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- operations: each returns 0, or -1 with errno set ---- */

static int op_syscall(struct row_state *s)
{
	(void)s;
	/* syscall(2) itself: a libc that cached getpid could not hide the cost. */
	return syscall(SYS_getpid) > 0 ? 0 : -1;
}

static int op_getpid(struct row_state *s)
{
	(void)s;
	return getpid() > 0 ? 0 : -1;
}

static int op_read(struct row_state *s)
{
	char c;

	return read(s->fd, &c, 1) == 1 ? 0 : -1;
}

static int op_write(struct row_state *s)
{
	char c = 0;

	return write(s->fd, &c, 1) == 1 ? 0 : -1;
}

static int op_stat(struct row_state *s)
{
	struct stat st;

	return stat(s->opt->file, &st);
}

static int op_open_close(struct row_state *s)
{
	int fd = open(s->opt->file, O_RDONLY);

	if (fd < 0)
		return -1;
	return close(fd);
}

static int op_select(struct row_state *s)
{
	fd_set set = s->set;
	struct timeval tv = { 0, 0 };
	int n;

	/* Files are always writable; empty pipes are never readable. */
	if (s->opt->select_pipes)
		n = select(s->maxfd + 1, &set, NULL, NULL, &tv);
	else
		n = select(s->maxfd + 1, NULL, &set, NULL, &tv);
	if (n < 0)
		return -1;
	if (n != s->expect_ready) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int spawn_and_wait(const char *path, char *const argv[])
{
	int status;
	pid_t pid = vfork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(path, argv, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

static int op_vfork_execve(struct row_state *s)
{
	char *argv[] = { "true", NULL };

	return spawn_and_wait(s->opt->true_path, argv);
}

static int op_vfork_sh(struct row_state *s)
{
	char *argv[] = { "sh", "-c", "true", NULL };

	return spawn_and_wait(s->opt->sh_path, argv);
}

/* ---- rows ---- */

struct row {
	const char *name;
	int (*op)(struct row_state *);
	long default_iterations;
};

static const struct row rows[] = {
	{ "syscall", op_syscall, 100000 },
	{ "getpid", op_getpid, 100000 },
	{ "read", op_read, 100000 },
	{ "write", op_write, 100000 },
	{ "stat", op_stat, 20000 },
	{ "open/close", op_open_close, 20000 },
	{ "select-10", op_select, 20000 },
	{ "select-100", op_select, 5000 },
	{ "select-1000", op_select, 1000 },
	{ "vfork+execve", op_vfork_execve, 200 },
	{ "vfork+sh", op_vfork_sh, 100 },
};
#define NROWS ((int)(sizeof(rows) / sizeof(rows[0])))

static void setup_select(struct row_state *s, int nfds, const char *row)
{
	struct rlimit rl;
	int base, pipefd[2] = { -1, -1 };

	if (nfds < 1 || nfds > FD_SETSIZE - 16) {
		fprintf(stderr, "%s: %s: between 1 and %d descriptors\n", prog, row, FD_SETSIZE - 16);
		exit(2);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nfds + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)nfds + 16 ? rl.rlim_max : (rlim_t)nfds + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (s->opt->select_pipes) {
		if (pipe(pipefd) != 0)
			fail("pipe", NULL);
		base = pipefd[0];
	} else {
		base = open(s->opt->file, O_RDWR);
		if (base < 0)
			fail("open", s->opt->file);
	}
	FD_ZERO(&s->set);
	FD_SET(base, &s->set);
	s->maxfd = base;
	for (int i = 1; i < nfds; i++) {
		int fd = dup(base);

		if (fd < 0)
			fail("dup", NULL);
		if (fd >= FD_SETSIZE) {
			fprintf(stderr, "%s: %s: descriptor %d past FD_SETSIZE\n", prog, row, fd);
			exit(1);
		}
		FD_SET(fd, &s->set);
		if (fd > s->maxfd)
			s->maxfd = fd;
	}
	s->nfds = nfds;
	s->expect_ready = s->opt->select_pipes ? 0 : nfds;
	/* The write end stays open, so the read ends are empty, not at EOF. */
}

static void teardown_select(struct row_state *s)
{
	for (int fd = 3; fd <= s->maxfd; fd++)
		if (FD_ISSET(fd, &s->set))
			close(fd);
}

static int run_row(const struct row *r, const char *name, const struct options *opt)
{
	struct row_state s;
	long n = opt->iterations > 0 ? opt->iterations : r->default_iterations;
	long warm = opt->warmup >= 0 ? opt->warmup : n / 10;
	long long t0, t1, total;

	memset(&s, 0, sizeof(s));
	s.opt = opt;
	s.fd = -1;
	if (r->op == op_read) {
		s.fd = open("/dev/zero", O_RDONLY);
		if (s.fd < 0)
			fail("open", "/dev/zero");
	} else if (r->op == op_write) {
		s.fd = open("/dev/null", O_WRONLY);
		if (s.fd < 0)
			fail("open", "/dev/null");
	} else if (r->op == op_select) {
		setup_select(&s, atoi(name + strlen("select-")), name);
	}

	for (long i = 0; i < warm; i++)
		if (r->op(&s) != 0)
			fail(name, "(warm-up)");
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (r->op(&s) != 0)
			fail(name, NULL);
	t1 = now_ns();
	total = t1 - t0;

	if (s.fd >= 0)
		close(s.fd);
	if (r->op == op_select)
		teardown_select(&s);

	/* Three decimals in fixed point: no floating point needed. */
	long long milli = total * 1000 / n;
	printf("row=%s iterations=%ld warmup=%ld total_ns=%lld ns_per_op=%lld.%03lld\n",
	       name, n, warm, total, milli / 1000, milli % 1000);
	fflush(stdout);
	return 0;
}

static const struct row *find_row(const char *name)
{
	for (int i = 0; i < NROWS; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	/* Any select-N, as lmbench's lat_select -n N. */
	if (strncmp(name, "select-", 7) == 0 && name[7] >= '1' && name[7] <= '9' &&
	    strspn(name + 7, "0123456789") == strlen(name + 7))
		return &rows[6];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-n ITERATIONS] [-w WARMUP] [-f FILE] [-p] [-x TRUE] [-s SH] ROW...\n"
		"       %s -l\n"
		"  -n N     timed operations per row (default: per row)\n"
		"  -w N     untimed warm-up operations (default: a tenth of -n)\n"
		"  -f FILE  file for stat, open/close and select (default: a temporary file in /tmp)\n"
		"  -p       select on empty pipes instead of a file\n"
		"  -x PATH  program run by vfork+execve (default /bin/true)\n"
		"  -s PATH  shell run by vfork+sh as 'sh -c true' (default /bin/sh)\n"
		"  -l       list the rows\n"
		"rows:", prog, prog);
	for (int i = 0; i < NROWS; i++)
		fprintf(f, " %s", rows[i].name);
	fprintf(f, " (and select-N for any N up to %d)\n", FD_SETSIZE - 16);
}

static char temp_file[64];

static void remove_temp_file(void)
{
	if (temp_file[0])
		unlink(temp_file);
}

int main(int argc, char **argv)
{
	struct options opt = { 0, -1, NULL, "/bin/true", "/bin/sh", 0 };
	int c;

	while ((c = getopt(argc, argv, "n:w:f:px:s:lh")) != -1) {
		switch (c) {
		case 'n':
			opt.iterations = strtol(optarg, NULL, 10);
			if (opt.iterations < 1) {
				fprintf(stderr, "%s: -n wants a positive count\n", prog);
				return 2;
			}
			break;
		case 'w':
			opt.warmup = strtol(optarg, NULL, 10);
			if (opt.warmup < 0) {
				fprintf(stderr, "%s: -w wants a count >= 0\n", prog);
				return 2;
			}
			break;
		case 'f':
			opt.file = optarg;
			break;
		case 'p':
			opt.select_pipes = 1;
			break;
		case 'x':
			opt.true_path = optarg;
			break;
		case 's':
			opt.sh_path = optarg;
			break;
		case 'l':
			for (int i = 0; i < NROWS; i++)
				printf("%s\n", rows[i].name);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (!find_row(argv[i])) {
			fprintf(stderr, "%s: unknown row '%s'\n", prog, argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!opt.file) {
		int fd;

		snprintf(temp_file, sizeof(temp_file), "/tmp/lat_syscall.%d", (int)getpid());
		fd = open(temp_file, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			fail("create", temp_file);
		atexit(remove_temp_file);
		if (write(fd, "lat_syscall\n", 12) != 12)
			fail("write", temp_file);
		close(fd);
		opt.file = temp_file;
	}
	for (int i = optind; i < argc; i++)
		run_row(find_row(argv[i]), argv[i], &opt);
	return 0;
}

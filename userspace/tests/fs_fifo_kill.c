/*
 * fs_fifo_kill: a process blocked in open() of a FIFO is killed, and the
 * FIFO must not keep counting it. A reader killed in open: a later
 * O_WRONLY|O_NONBLOCK open is ENXIO (no reader), and a new reader and
 * writer meet and pass data. A writer killed in open: a later reader sees
 * EOF (no writer), not EAGAIN. Output is the same natively and in nommu-um.
 *
 *   fs_fifo_kill            the test
 *   fs_fifo_kill open PATH r|w   (child) signals readiness on fd 3, opens PATH
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static int failed;

static const char *ename(int e)
{
	switch (e) {
	case 0: return "OK";
	case ENXIO: return "ENXIO";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case ENOENT: return "ENOENT";
	default: return "E?";
	}
}

static void check(const char *what, int ok)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failed = 1;
}

/* The child's state letter from /proc/PID/stat ('?' when unreadable). */
static char state_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : '?';
}

/* Starts a child that opens path for 'r' or 'w' and blocks there; returns once it sleeps in open(). */
static pid_t spawn_opener(const char *self, const char *path, const char *side)
{
	int ready[2];
	if (pipe(ready) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ready[1], 3);
	char *argv[] = { (char *)self, "open", (char *)path, (char *)side, NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(ready[1]);
	if (rc != 0) {
		close(ready[0]);
		return -1;
	}
	char c;
	ssize_t n = read(ready[0], &c, 1);
	close(ready[0]);
	if (n != 1)
		return -1;
	/* After its readiness byte the child's only way to sleep is in open(). */
	for (int i = 0; i < 10000 && state_of(pid) != 'S'; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return pid;
}

static int child(const char *path, const char *side)
{
	if (write(3, "r", 1) != 1)
		return 2;
	close(3);
	int fd = open(path, side[0] == 'w' ? O_WRONLY : O_RDONLY);
	/* Not reached when the test kills us as it should. */
	printf("child: open returned %d\n", fd);
	return 3;
}

static void kill_and_reap(pid_t pid, const char *what)
{
	char line[128];
	snprintf(line, sizeof line, "%s: blocked in open (state S)", what);
	check(line, state_of(pid) == 'S');
	kill(pid, SIGKILL);
	int status = 0;
	pid_t r = waitpid(pid, &status, 0);
	snprintf(line, sizeof line, "%s: killed by SIGKILL", what);
	check(line, r == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "open") == 0)
		return child(argv[2], argv[3]);
	setvbuf(stdout, NULL, _IONBF, 0);
	char path[64];
	snprintf(path, sizeof path, "/tmp/fs_fifo_kill.%d", (int)getpid());
	unlink(path);
	if (mkfifo(path, 0600) != 0) {
		printf("FAIL: mkfifo: %s\n", strerror(errno));
		return 1;
	}

	pid_t r = spawn_opener(argv[0], path, "r");
	check("reader child started", r > 0);
	if (r > 0)
		kill_and_reap(r, "reader");
	errno = 0;
	int fd = open(path, O_WRONLY | O_NONBLOCK);
	printf("writer open O_NONBLOCK after the reader died: %s\n", fd < 0 ? ename(errno) : "OK");
	check("no reader is left: ENXIO", fd < 0 && errno == ENXIO);
	if (fd >= 0)
		close(fd);
	int rd = open(path, O_RDONLY | O_NONBLOCK);
	int wr = open(path, O_WRONLY);
	check("a new reader and a writer open at once", rd >= 0 && wr >= 0);
	check("the writer writes", write(wr, "hello", 5) == 5);
	char buf[16] = { 0 };
	check("the reader reads what it wrote", read(rd, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
	close(wr);
	errno = 0;
	ssize_t n = read(rd, buf, sizeof buf);
	printf("read after the writer closed: %zd %s\n", n, n < 0 ? ename(errno) : "");
	close(rd);

	pid_t w = spawn_opener(argv[0], path, "w");
	check("writer child started", w > 0);
	if (w > 0)
		kill_and_reap(w, "writer");
	rd = open(path, O_RDONLY | O_NONBLOCK);
	errno = 0;
	n = read(rd, buf, sizeof buf);
	printf("read with the killed writer gone: %zd %s\n", n, n < 0 ? ename(errno) : "");
	check("no writer is left: EOF", n == 0);
	close(rd);

	unlink(path);
	puts(failed ? "FAILED" : "PASSED");
	return failed;
}

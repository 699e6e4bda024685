/*
 * k_vfork: process creation without an MMU.
 *   - vfork: the child shares the parent's memory; the parent stays blocked
 *     until the child exits (it finds the child already a zombie) or execs;
 *   - fork() and clone without CLONE_VM fail with EINVAL (no MMU);
 *   - posix_spawn (clone(CLONE_VM|CLONE_VFORK)) runs a program;
 *   - execve of a non-PIE (ET_EXEC) file fails with ENOEXEC (path in argv[1]);
 *   - exec: #! scripts, E2BIG, close-on-exec fds, handlers reset (ignored
 *     signals stay ignored), /proc/self/exe;
 *   - waitid, orphans reparented to pid 1, sessions and process groups.
 * `k_vfork cloexec|sigstate|exe|orphan|grandchild|session` are children's modes.
 * Prints one line per check; exits 0 when all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static volatile int shared;

static void vfork_exit(void)
{
	shared = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		/* Busy work: the parent must not run while this goes on. */
		for (volatile int i = 0; i < 100000; i++)
			shared = i;
		shared = 42;
		_exit(7);
	}
	check(pid > 0, "vfork returns the child's pid to the parent");
	check(shared == 42, "parent sees the child's write to shared memory");
	int status = 0;
	/* The child has already exited: WNOHANG finds it at once. */
	pid_t w = waitpid(pid, &status, WNOHANG);
	check(w == pid, "child already exited when the parent resumed");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child exit status 7");
}

static void vfork_exec(void)
{
	shared = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		shared = 1;
		char *argv[] = { "sh", "-c", "exit 5", NULL };
		execve("/bin/sh", argv, environ);
		_exit(127);
	}
	check(shared == 1, "parent resumes after the child's exec and sees its write");
	int status = 0;
	check(waitpid(pid, &status, 0) == pid, "waitpid on the exec'd child");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 5, "exec'd child exit status 5");
}

static void vfork_exec_fails(void)
{
	volatile int err = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		char *argv[] = { "nope", NULL };
		execve("/nonexistent/program", argv, environ);
		err = errno;
		_exit(126);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	check(err == ENOENT, "execve of a missing file: ENOENT seen through shared memory");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 126, "child exits 126 after the failed exec");
}

static void fork_einval(void)
{
	errno = 0;
	pid_t r = fork();
	if (r == 0)
		_exit(0);
	check(r == -1 && errno == EINVAL, "fork() fails with EINVAL");
	errno = 0;
	long s = syscall(SYS_fork);
	check(s == -1 && errno == EINVAL, "SYS_fork fails with EINVAL");
	errno = 0;
	s = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	check(s == -1 && errno == EINVAL, "clone without CLONE_VM fails with EINVAL");
}

static void spawn(void)
{
	pid_t pid;
	char *argv[] = { "sh", "-c", "exit 9", NULL };
	int r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	check(r == 0, "posix_spawn /bin/sh");
	int status = 0;
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 9, "spawned child exit status 9");
	r = posix_spawn(&pid, "/nonexistent", NULL, NULL, argv, environ);
	check(r == ENOENT, "posix_spawn of a missing file reports ENOENT");
}

static void exec_noexec(const char *path)
{
	volatile int err = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		char *argv[] = { (char *)path, NULL };
		execve(path, argv, environ);
		err = errno;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	check(err == ENOEXEC, "execve of an ET_EXEC (non-PIE) binary fails with ENOEXEC");
}

static const char *self;

/* Runs this program in `mode` (plus an optional argument) and returns its wait status. */
static int child(const char *mode, const char *arg)
{
	pid_t pid = vfork();
	if (pid == 0) {
		char *argv[] = { (char *)self, (char *)mode, (char *)arg, NULL };
		execve(self, argv, environ);
		_exit(127);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

static void exec_rules(void)
{
	/* A #! script. */
	const char *script = "/tmp/k_vfork.sh";
	int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	const char text[] = "#!/bin/sh\nexit 4\n";
	write(fd, text, sizeof text - 1);
	close(fd);
	pid_t pid;
	char *sargv[] = { (char *)script, NULL };
	int st = -1;
	check(posix_spawn(&pid, script, NULL, NULL, sargv, environ) == 0 && waitpid(pid, &st, 0) == pid &&
		WIFEXITED(st) && WEXITSTATUS(st) == 4, "a #! script runs through its interpreter (exit 4)");
	unlink(script);

	/* Arguments larger than a nommu exec takes. */
	static char big[200 * 1024];
	memset(big, 'x', sizeof big - 1);
	volatile int err = 0;
	pid = vfork();
	if (pid == 0) {
		char *bargv[] = { "true", big, NULL };
		execve("/bin/true", bargv, environ);
		err = errno;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	check(err == E2BIG, "200 KiB of arguments: E2BIG");

	/* A file that is neither ELF nor script. */
	fd = open("/tmp/k_vfork.junk", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	write(fd, "just text\n", 10);
	close(fd);
	err = 0;
	pid = vfork();
	if (pid == 0) {
		char *jargv[] = { "junk", NULL };
		execve("/tmp/k_vfork.junk", jargv, environ);
		err = errno;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	check(err == ENOEXEC, "a file that is neither ELF nor script: ENOEXEC");
	unlink("/tmp/k_vfork.junk");

	/* Close-on-exec. */
	int keep = open("/dev/null", O_RDONLY);
	int gone = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char arg[32];
	snprintf(arg, sizeof arg, "%d,%d", keep, gone);
	st = child("cloexec", arg);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec closes O_CLOEXEC fds and keeps the others");
	close(keep);
	close(gone);

	/* Handlers are reset, ignored signals stay ignored. */
	signal(SIGUSR1, (void (*)(int))exit);
	signal(SIGUSR2, SIG_IGN);
	st = child("sigstate", NULL);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec resets handled signals to SIG_DFL and keeps SIG_IGN");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);

	st = child("exe", NULL);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "/proc/self/exe names the new program");
}

static void waiting(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(6);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	check(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == pid && si.si_code == CLD_EXITED &&
		si.si_status == 6, "waitid WNOWAIT reports the exit and leaves the zombie");
	memset(&si, 0, sizeof si);
	check(waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == pid && si.si_status == 6, "waitid P_ALL reaps it");
	errno = 0;
	check(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == -1 && errno == ECHILD, "no child left: ECHILD");
	errno = 0;
	check(waitid(P_ALL, 0, &si, WNOHANG) == -1 && errno == EINVAL, "waitid without WEXITED/WSTOPPED/WCONTINUED: EINVAL");
	errno = 0;
	check(waitpid(-1, NULL, 0x4000) == -1 && errno == EINVAL, "wait4 with an unknown option: EINVAL");
}

static void orphans_and_sessions(void)
{
	if (getpid() == 1) {
		int st = child("orphan", NULL);
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the middle child exits, leaving a grandchild");
		pid_t g = waitpid(-1, &st, 0);
		check(g > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42, "the orphaned grandchild is reparented to pid 1, which reaps it");
	} else {
		printf("info: not pid 1, reparenting not checked\n");
	}
	int st = child("session", NULL);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "setsid makes a new session and group; setpgid rules");
	check(setsid() == -1 && errno == EPERM, "setsid in a process group leader: EPERM");
}

/* The children's modes. */
static int mode(const char *m, const char *arg)
{
	if (strcmp(m, "cloexec") == 0) {
		int keep = -1, gone = -1;
		sscanf(arg, "%d,%d", &keep, &gone);
		return fcntl(keep, F_GETFD) >= 0 && fcntl(gone, F_GETFD) == -1 && errno == EBADF ? 0 : 1;
	}
	if (strcmp(m, "sigstate") == 0) {
		struct sigaction a, b;
		sigaction(SIGUSR1, NULL, &a);
		sigaction(SIGUSR2, NULL, &b);
		return a.sa_handler == SIG_DFL && b.sa_handler == SIG_IGN ? 0 : 1;
	}
	if (strcmp(m, "exe") == 0) {
		char link[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
		if (n < 0)
			return 2;
		link[n] = 0;
		return strcmp(link, self) == 0 ? 0 : 1;
	}
	if (strcmp(m, "orphan") == 0) {
		pid_t pid;
		char *gargv[] = { (char *)self, "grandchild", NULL };
		return posix_spawn(&pid, self, NULL, NULL, gargv, environ) == 0 ? 0 : 1;
	}
	if (strcmp(m, "grandchild") == 0) {
		struct timespec d = { 0, 1000 * 1000 };
		for (int i = 0; i < 5000 && getppid() != 1; i++)
			nanosleep(&d, NULL);
		return getppid() == 1 ? 42 : 1;
	}
	if (strcmp(m, "session") == 0) {
		pid_t me = getpid();
		if (setsid() != me || getsid(0) != me || getpgrp() != me)
			return 1;
		/* A new group inside the session, then back. */
		pid_t pid = vfork();
		if (pid == 0)
			_exit(setpgid(0, 0) == 0 && getpgrp() == getpid() ? 0 : 1);
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return 2;
		errno = 0;
		if (setpgid(99999, 0) != -1 || errno != ESRCH)
			return 3;
		if (getpgid(99999) != -1 || errno != ESRCH)
			return 4;
		return 0;
	}
	return 99;
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1 && argv[1][0] != '/')
		return mode(argv[1], argc > 2 ? argv[2] : "");
	setvbuf(stdout, NULL, _IONBF, 0);
	vfork_exit();
	vfork_exec();
	vfork_exec_fails();
	fork_einval();
	spawn();
	if (argc > 1)
		exec_noexec(argv[1]);
	exec_rules();
	waiting();
	orphans_and_sessions();
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}

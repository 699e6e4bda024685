/*
 * fd_fanperm_kill: a process waiting for a fanotify permission answer
 * (FAN_OPEN_PERM) is killed before the listener read the event: the event
 * leaves the listener's queue (fanotify_get_response removes a queued event
 * whose task got a fatal signal), and the next open is asked afresh. One
 * "label = result" line per check, natively (with CAP_SYS_ADMIN) and in
 * nommu-um alike.
 *
 *   fd_fanperm_kill               the test
 *   fd_fanperm_kill open FILE     (child) opens FILE and reports
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include "fd_check.h"

extern char **environ;

static int queued(int fan)
{
	int n = -1;
	return ioctl(fan, FIONREAD, &n) == 0 ? n : -1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "open") == 0) {
		int fd = open(argv[2], O_RDONLY);
		printf("child: open returned %s\n", fd >= 0 ? "an fd" : fd_errname(errno));
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("fd_fanperm_kill: start\n");
	int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0 && errno == EPERM) {
		printf("fanotify_init: EPERM (no CAP_SYS_ADMIN here): the checks run in nommu-um only\n");
		return 0;
	}
	SHOW_OK("fanotify_init(CONTENT)", fan);
	static char dir[] = "/tmp/fd_fanperm_kill.XXXXXX";
	char file[64];
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(file, sizeof file, "%s/guarded", dir);
	close(open(file, O_CREAT | O_WRONLY, 0644));
	SHOW("mark FAN_OPEN_PERM", fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, file));

	char *cargv[] = { argv[0], "open", file, NULL };
	pid_t pid;
	SHOW("posix_spawn", posix_spawn(&pid, argv[0], NULL, NULL, cargv, environ));
	/* The child's open queues the permission event, then waits for the answer. */
	struct pollfd p = { fan, POLLIN, 0 };
	SHOW("poll: the child's permission event is queued", poll(&p, 1, 10000));
	SHOW("FIONREAD", queued(fan));
	SHOW("kill(child, SIGKILL)", kill(pid, SIGKILL));
	int status = 0;
	SHOW("waitpid", waitpid(pid, &status, 0) == pid ? 0 : -1);
	printf("child killed by SIGKILL: %s\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "yes" : "no");
	SHOW("FIONREAD after the child died (its event is gone)", queued(fan));
	char buf[256];
	SHOW("read", read(fan, buf, sizeof buf));

	/* A new opener is asked afresh; allowing it lets its open through. */
	SHOW("posix_spawn", posix_spawn(&pid, argv[0], NULL, NULL, cargv, environ));
	SHOW("poll", poll(&p, 1, 10000));
	struct fanotify_event_metadata ev;
	SHOW("read one event", read(fan, &ev, sizeof ev));
	printf("mask OPEN_PERM = %d, pid is the new child = %s\n", (ev.mask & FAN_OPEN_PERM) != 0, ev.pid == pid ? "yes" : "no");
	struct fanotify_response resp = { ev.fd, FAN_ALLOW };
	/* The child prints as soon as it is allowed: report the parent's results after it ended. */
	long w = write(fan, &resp, sizeof resp);
	int werr = errno;
	close(ev.fd);
	pid_t r = waitpid(pid, &status, 0);
	printf("write FAN_ALLOW = %ld%s%s\n", w, w < 0 ? " " : "", w < 0 ? fd_errname(werr) : "");
	SHOW("waitpid", r == pid ? 0 : -1);
	SHOW("child exit status", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	unlink(file);
	rmdir(dir);
	close(fan);
	printf("fd_fanperm_kill: done\n");
	return 0;
}

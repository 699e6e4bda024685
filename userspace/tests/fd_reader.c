/*
 * fd_reader: special fds act for the task that READS them, as Linux does,
 * not for the task that created them.
 *  - signalfd: a second thread sends itself a signal (tgkill) and reads the
 *    main thread's signalfd: it gets its own pending signal; the main
 *    thread, reading the same fd, does not.
 *  - fanotify: a child process (posix_spawn, its own fd table) reads a
 *    group it inherited: the event's fd is installed in the child's table,
 *    names the file, and is not in the parent's.
 *  - the close event of a file carries the pid of the process whose close
 *    was the last (fsnotify_close runs in the closing task).
 * One "label = result" line per check; natively and in nommu-um alike
 * (fanotify needs CAP_SYS_ADMIN natively: without it one line says so).
 *
 *   fd_reader                    the test
 *   fd_reader child FAN FILE     (child) reads one event from FAN
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/fanotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "fd_check.h"

extern char **environ;
static int sfd;
/* Where the child writes its event fd's number (above every fd the test opens). */
#define REPORT_FD 30

static void *reader_thread(void *arg)
{
	(void)arg;
	struct signalfd_siginfo si;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	SHOW("thread: tgkill(self, SIGUSR1)", syscall(SYS_tgkill, getpid(), tid, SIGUSR1));
	ssize_t n = read(sfd, &si, sizeof si);
	if (n < 0)
		printf("thread: read of the main thread's signalfd = -1 %s\n", fd_errname(errno));
	else
		printf("thread: read of the main thread's signalfd = %zd\n", n);
	if (n == (ssize_t)sizeof si)
		printf("thread: ssi_signo = %u, sent to this thread: %s\n", si.ssi_signo,
		       (pid_t)si.ssi_pid == getpid() ? "yes" : "no");
	return NULL;
}

static void signalfd_checks(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	sfd = signalfd(-1, &m, SFD_NONBLOCK);
	SHOW_OK("signalfd(SIGUSR1, NONBLOCK)", sfd);
	pthread_t th;
	int rc = pthread_create(&th, NULL, reader_thread, NULL);
	if (rc == 0)
		pthread_join(th, NULL);
	SHOW("pthread_create and join", rc);
	struct signalfd_siginfo si;
	SHOW("main: read (the thread's signal is not the main thread's)", read(sfd, &si, sizeof si));
	SHOW("main: tgkill(self, SIGUSR1)", syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGUSR1));
	SHOW("main: read", read(sfd, &si, sizeof si));
	close(sfd);
}

/* Child: reads one event and reports where its fd lives. */
static int child(int fan, const char *file)
{
	char buf[256];
	struct fanotify_event_metadata *ev = (struct fanotify_event_metadata *)buf;
	ssize_t n = read(fan, buf, sizeof buf);
	if (n < 0)
		printf("child: read of the inherited group = -1 %s\n", fd_errname(errno));
	else
		printf("child: read of the inherited group = %zd\n", n);
	if (n < (ssize_t)sizeof *ev)
		return 1;
	printf("child: mask OPEN = %d, pid is the parent = %s\n", (ev->mask & FAN_OPEN) != 0,
	       ev->pid == getppid() ? "yes" : "no");
	char link[64], target[256];
	snprintf(link, sizeof link, "/proc/self/fd/%d", ev->fd);
	ssize_t l = readlink(link, target, sizeof target - 1);
	target[l > 0 ? l : 0] = 0;
	printf("child: event fd is in the child's table and names the file: %s\n",
	       l > 0 && strcmp(target, file) == 0 ? "yes" : "no");
	/* Tell the parent the number, so it can check its own table. */
	if (write(REPORT_FD, &ev->fd, sizeof ev->fd) != (ssize_t)sizeof ev->fd)
		return 1;
	close(ev->fd);
	return 0;
}

/* How many fds this process has open (entries of /proc/self/fd, less the one listing it). */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static void fanotify_checks(const char *self)
{
	static char dir[] = "/tmp/fd_reader.XXXXXX";
	char file[64];
	int fan = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
	if (fan < 0 && errno == EPERM) {
		printf("fanotify_init: EPERM (no CAP_SYS_ADMIN here): the fanotify checks run in nommu-um only\n");
		return;
	}
	SHOW_OK("fanotify_init", fan);
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(file, sizeof file, "%s/data", dir);
	int fd = open(file, O_CREAT | O_WRONLY, 0644);
	close(fd);
	SHOW("mark dir FAN_OPEN|FAN_CLOSE_NOWRITE|EVENT_ON_CHILD",
	     fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE_NOWRITE | FAN_EVENT_ON_CHILD, AT_FDCWD, dir));
	fd = open(file, O_RDONLY);
	int fd2 = dup(fd);
	int report[2];
	if (pipe(report) != 0)
		return;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, report[1], REPORT_FD);
	posix_spawn_file_actions_addclose(&fa, fd);
	posix_spawn_file_actions_addclose(&fa, fd2);
	char fanarg[16];
	snprintf(fanarg, sizeof fanarg, "%d", fan);
	char *argv[] = { (char *)self, "child", fanarg, file, NULL };
	pid_t pid;
	int before = count_fds();
	int rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(report[1]);
	int status = 0;
	if (rc == 0)
		waitpid(pid, &status, 0);
	SHOW("posix_spawn", rc);
	SHOW("child exit status", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	int childfd = -1;
	SHOW("the child reported its event fd", read(report[0], &childfd, sizeof childfd));
	close(report[0]);
	/* Both ends of the report pipe are closed now: 2 fds fewer than before, unless the event fd came here. */
	printf("parent: fds open now vs before the child's read, the report pipe left out: %+d\n", count_fds() - (before - 2));

	/* The last close is fd2's, in this process: the event names this pid. */
	close(fd);
	close(fd2);
	char buf[256];
	struct fanotify_event_metadata *ev = (struct fanotify_event_metadata *)buf;
	ssize_t n = read(fan, buf, sizeof buf);
	int found = 0;
	for (; FAN_EVENT_OK(ev, n); ev = FAN_EVENT_NEXT(ev, n)) {
		if (ev->mask & FAN_CLOSE_NOWRITE) {
			found = 1;
			printf("close event: pid is the closing process = %s\n", ev->pid == getpid() ? "yes" : "no");
		}
		if (ev->fd >= 0)
			close(ev->fd);
	}
	if (!found)
		printf("close event: none\n");
	unlink(file);
	rmdir(dir);
	close(fan);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "child") == 0)
		return child(atoi(argv[2]), argv[3]);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("fd_reader: start\n");
	signalfd_checks();
	fanotify_checks(argv[0]);
	printf("fd_reader: done\n");
	return 0;
}

/*
 * fd_fanotify: fanotify(7) in its classic mode — events on a marked
 * directory's children (open, modify, close-write merged into one event
 * while unread; access and close-nowrite), the 24-byte metadata with an fd
 * opened on the file for the listener, FIONREAD, permission events
 * (FAN_OPEN_PERM) answered with FAN_DENY and FAN_ALLOW while another thread
 * waits in open(), response errors, mark errors, and fdinfo.
 * Needs CAP_SYS_ADMIN: without it (a sandbox) the program says so and stops.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "fd_check.h"

static char dir[] = "/tmp/fd_fanotifyXXXXXX";
static char file[PATH_MAX];
static ino_t file_ino;

static const char *maskname(unsigned long long m)
{
	static char buf[256];
	static const struct { unsigned long long bit; const char *name; } names[] = {
		{ FAN_ACCESS, "ACCESS" }, { FAN_MODIFY, "MODIFY" }, { FAN_CLOSE_WRITE, "CLOSE_WRITE" },
		{ FAN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { FAN_OPEN, "OPEN" }, { FAN_OPEN_PERM, "OPEN_PERM" },
		{ FAN_ACCESS_PERM, "ACCESS_PERM" }, { FAN_Q_OVERFLOW, "Q_OVERFLOW" }, { FAN_ONDIR, "ONDIR" },
	};

	buf[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (m & names[i].bit) {
			if (buf[0])
				strcat(buf, "|");
			strcat(buf, names[i].name);
			m &= ~names[i].bit;
		}
	}
	if (m)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "|%#llx", m);
	return buf;
}

/* Prints one event; returns its fd (closed by the caller unless kept). */
static int show_event(const struct fanotify_event_metadata *m)
{
	struct stat st;
	const char *what = "nofd";

	if (m->fd >= 0) {
		if (fstat(m->fd, &st) == 0)
			what = st.st_ino == file_ino ? "fd=the file" : S_ISDIR(st.st_mode) ? "fd=a directory" : "fd=another file";
		else
			what = "fd=unusable";
	}
	printf("  event_len=%u vers=%u metadata_len=%u mask=%s %s pid_is_self=%d\n", m->event_len, m->vers,
	       m->metadata_len, maskname(m->mask), what, m->pid == getpid());
	return m->fd;
}

static void drain(int fan, const char *label)
{
	char buf[4096] __attribute__((aligned(8)));
	int n, avail = -1;

	ioctl(fan, FIONREAD, &avail);
	printf("%s: FIONREAD=%d\n", label, avail);
	while ((n = read(fan, buf, sizeof buf)) > 0) {
		struct fanotify_event_metadata *m = (struct fanotify_event_metadata *)buf;

		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			int fd = show_event(m);

			if (fd >= 0)
				close(fd);
		}
	}
	if (errno != EAGAIN)
		printf("  read: %s\n", fd_errname(errno));
}

/* The mflags/mask/ignored_mask columns of each inode mark in fdinfo (inode numbers differ between hosts). */
static void show_marks(int fan)
{
	char path[64], text[4096], *line, *save;
	int f, n;

	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fan);
	f = open(path, O_RDONLY | O_CLOEXEC);
	n = f < 0 ? -1 : read(f, text, sizeof text - 1);
	if (f >= 0)
		close(f);
	text[n > 0 ? n : 0] = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *mf = strstr(line, "mflags:"), *fh = strstr(line, " f_handle:");

		if (strncmp(line, "fanotify ino:", 13) != 0 || mf == NULL)
			continue;
		if (fh != NULL)
			*fh = 0;
		printf("fdinfo mark: %s\n", mf);
	}
}

static int open_result;

static void *opener(void *arg)
{
	(void)arg;
	errno = 0;
	int fd = open(file, O_RDONLY);
	open_result = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Waits for the permission event of the opener thread, answers it, reports what open() returned. */
static void answer_one(int fan, uint32_t response, const char *label)
{
	struct fanotify_event_metadata m;
	struct fanotify_response r;
	struct pollfd p = { .fd = fan, .events = POLLIN };
	pthread_t th;
	int n;

	open_result = 1;
	MUST(-pthread_create(&th, NULL, opener, NULL));
	if (poll(&p, 1, 10000) != 1) {
		printf("%s: no permission event\n", label);
		exit(1);
	}
	n = read(fan, &m, sizeof m);
	printf("%s: read = %d\n", label, n);
	if (n != sizeof m)
		exit(1);
	show_event(&m);
	printf("%s: opener still waiting = %d\n", label, open_result == 1);
	r.fd = m.fd;
	r.response = response;
	SHOW("write response", write(fan, &r, sizeof r));
	SHOW("write the same response again", write(fan, &r, sizeof r));
	pthread_join(th, NULL);
	printf("%s: open in the other thread = %s\n", label, open_result == 0 ? "ok" : fd_errname(-open_result));
	close(m.fd);
}

int main(void)
{
	static const char *const info[] = { "fanotify flags:", NULL };
	struct stat st;
	int fan, fd, efd;
	char buf[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);
	printf("fd_fanotify: start\n");
	printf("sizeof(struct fanotify_event_metadata) = %zu (FAN_EVENT_METADATA_LEN %zu), mask at %zu, fd at %zu, pid at %zu\n",
	       sizeof(struct fanotify_event_metadata), (size_t)FAN_EVENT_METADATA_LEN,
	       offsetof(struct fanotify_event_metadata, mask), offsetof(struct fanotify_event_metadata, fd),
	       offsetof(struct fanotify_event_metadata, pid));
	printf("sizeof(struct fanotify_response) = %zu\n", sizeof(struct fanotify_response));
	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0 && errno == EPERM) {
		printf("fanotify_init: EPERM (no CAP_SYS_ADMIN here): the checks run in nommu-um only\n");
		return 0;
	}
	SHOW_OK("fanotify_init(CONTENT|NONBLOCK|CLOEXEC, O_RDONLY)", fan);
	fd_show_flags("flags", fan);
	fd_show_fdinfo(fan, info, NULL);
	SHOW("fanotify_init bad flags", fanotify_init(0x80000000, O_RDONLY));
	SHOW("fanotify_init bad event_f_flags", fanotify_init(0, O_ACCMODE));
	SHOW("fanotify_init both classes", fanotify_init(FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT, O_RDONLY));
	SHOW("read empty", read(fan, buf, sizeof buf));

	MUST(mkdtemp(dir) != NULL ? 0 : -1);
	snprintf(file, sizeof file, "%s/data", dir);
	SHOW("mark dir", fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN | FAN_ACCESS | FAN_MODIFY | FAN_CLOSE | FAN_EVENT_ON_CHILD | FAN_ONDIR,
				       AT_FDCWD, dir));
	show_marks(fan);

	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
	MUST(fd);
	MUST(fstat(fd, &st));
	file_ino = st.st_ino;
	SHOW("write", write(fd, "0123456789", 10));
	SHOW("close", close(fd));
	drain(fan, "create+write+close (merged)");

	fd = open(file, O_RDONLY);
	SHOW("read", read(fd, buf, 4));
	drain(fan, "open+read");
	SHOW("close", close(fd));
	drain(fan, "close");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	SHOW("close dir", close(fd));
	drain(fan, "open+close of the directory");

	/* Permission events on the file. */
	SHOW("mark file FAN_OPEN_PERM", fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, file));
	SHOW("unmark dir", fanotify_mark(fan, FAN_MARK_REMOVE, FAN_OPEN | FAN_ACCESS | FAN_MODIFY | FAN_CLOSE | FAN_EVENT_ON_CHILD | FAN_ONDIR,
					 AT_FDCWD, dir));
	SHOW("unmark dir again", fanotify_mark(fan, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, dir));
	answer_one(fan, FAN_DENY, "deny");
	answer_one(fan, FAN_ALLOW, "allow");
	drain(fan, "after answers");

	/* Response errors. */
	{
		struct fanotify_response r = { .fd = 3, .response = FAN_ALLOW };

		SHOW("write 4 bytes", write(fan, &r, 4));
		SHOW("response for an unknown fd", write(fan, &r, sizeof r));
		r.response = 3;
		SHOW("response 3", write(fan, &r, sizeof r));
		r.fd = -5;
		r.response = FAN_ALLOW;
		SHOW("response fd -5", write(fan, &r, sizeof r));
		r.response = FAN_ALLOW | FAN_AUDIT;
		r.fd = 3;
		SHOW("FAN_AUDIT without FAN_ENABLE_AUDIT", write(fan, &r, sizeof r));
	}

	/* Mark errors. */
	SHOW("mark FAN_CREATE (needs FID)", fanotify_mark(fan, FAN_MARK_ADD, FAN_CREATE, AT_FDCWD, dir));
	SHOW("mark mask 0", fanotify_mark(fan, FAN_MARK_ADD, 0, AT_FDCWD, dir));
	SHOW("mark ADD|REMOVE", fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, dir));
	SHOW("mark upper mask bits", fanotify_mark(fan, FAN_MARK_ADD, 1ULL << 40, AT_FDCWD, dir));
	SHOW("mark bad fd", fanotify_mark(999, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, dir));
	efd = eventfd(0, 0);
	SHOW("mark on an eventfd", fanotify_mark(efd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, dir));
	close(efd);
	SHOW("mark missing path", fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, "/tmp/fd_fanotify-missing"));
	SHOW("mark ONLYDIR on a file", fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, AT_FDCWD, file));
	{
		int notif = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);

		SHOW("perm event on a FAN_CLASS_NOTIF group", fanotify_mark(notif, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, file));
		SHOW("mark by dirfd, NULL path", fanotify_mark(notif, FAN_MARK_ADD, FAN_OPEN, open(dir, O_RDONLY), NULL));
		SHOW("flush inode marks", fanotify_mark(notif, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL));
		SHOW("remove after flush", fanotify_mark(notif, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, dir));
		close(notif);
	}
	SHOW("ignored mark", fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY,
					   FAN_OPEN, AT_FDCWD, dir));
	show_marks(fan);
	unlink(file);
	rmdir(dir);
	drain(fan, "cleanup");
	SHOW("close", close(fan));
	printf("fd_fanotify: done\n");
	return 0;
}

/*
 * fd_inotify: inotify(7) — the events guest file operations cause on a
 * watched directory and a watched file (create, open, modify, access,
 * attrib, close, rename with cookies, unlink, mkdir/rmdir with IN_ISDIR,
 * delete-self and IN_IGNORED), merging of identical consecutive events,
 * IN_ONESHOT, IN_MASK_ADD/IN_MASK_CREATE, inotify_rm_watch, FIONREAD, the
 * short-buffer rule, queue overflow, the errors, and fdinfo.
 */
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "fd_check.h"

static int wd_dir, wd_file;
static unsigned last_cookie;

static const char *maskname(unsigned m)
{
	static char buf[256];
	static const struct { unsigned bit; const char *name; } names[] = {
		{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
		{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" },
		{ IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" }, { IN_CREATE, "CREATE" },
		{ IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" }, { IN_MOVE_SELF, "MOVE_SELF" },
		{ IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_IGNORED, "IGNORED" },
		{ IN_ISDIR, "ISDIR" },
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
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "|%#x", m);
	return buf;
}

static const char *wdname(int wd)
{
	static char buf[16];

	if (wd == wd_dir)
		return "dir";
	if (wd == wd_file)
		return "file";
	snprintf(buf, sizeof buf, "wd%d", wd);
	return buf;
}

/* Reads and prints every queued event; cookies are shown as "c" (same as the last) or "new". */
static void drain(int fd, const char *label)
{
	char buf[4096] __attribute__((aligned(8)));
	int n, avail = -1;

	ioctl(fd, FIONREAD, &avail);
	printf("%s: FIONREAD=%d\n", label, avail);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			const char *cookie = "";

			if (e->cookie != 0) {
				cookie = e->cookie == last_cookie ? " cookie=same" : " cookie=new";
				last_cookie = e->cookie;
			}
			printf("  %s %s len=%u%s%s%s\n", wdname(e->wd), maskname(e->mask), e->len, e->len ? " name=" : "",
			       e->len ? e->name : "", cookie);
			p += sizeof *e + e->len;
		}
	}
	if (errno != EAGAIN)
		printf("  read: %s\n", fd_errname(errno));
}

int main(void)
{
	static const char *const info[] = { "flags:", NULL };
	char dir[] = "/tmp/fd_inotifyXXXXXX", path[PATH_MAX], path2[PATH_MAX], small[16];
	int in, fd, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(120);
	printf("fd_inotify: start\n");
	printf("sizeof(struct inotify_event) = %zu, name at %zu\n", sizeof(struct inotify_event),
	       offsetof(struct inotify_event, name));
	MUST(mkdtemp(dir) != NULL ? 0 : -1);
	SHOW("inotify_init1(bad flags)", inotify_init1(1));
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	SHOW_OK("inotify_init1(NONBLOCK|CLOEXEC)", in);
	fd_show_flags("flags", in);
	fd_show_fdinfo(in, info, NULL);
	SHOW("read empty", read(in, small, sizeof small));

	wd_dir = inotify_add_watch(in, dir, IN_ALL_EVENTS);
	SHOW("add_watch dir", wd_dir);
	snprintf(path, sizeof path, "%s/a", dir);

	/* Create, write twice (merged), close. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	MUST(fd);
	SHOW("write", write(fd, "hello", 5));
	SHOW("write", write(fd, "world", 5));
	SHOW("close", close(fd));
	drain(in, "create+write+close");

	/* A watch on the file itself: events come twice, to the dir (with name) and to the file. */
	wd_file = inotify_add_watch(in, path, IN_ALL_EVENTS);
	SHOW("add_watch file", wd_file);
	SHOW("add_watch file again (same wd)", inotify_add_watch(in, path, IN_MODIFY) == wd_file);
	SHOW("add_watch file IN_MASK_CREATE", inotify_add_watch(in, path, IN_ALL_EVENTS | IN_MASK_CREATE));
	SHOW("add_watch file IN_MASK_ADD", inotify_add_watch(in, path, IN_ALL_EVENTS | IN_MASK_ADD) == wd_file);
	SHOW("IN_MASK_ADD|IN_MASK_CREATE", inotify_add_watch(in, path, IN_OPEN | IN_MASK_ADD | IN_MASK_CREATE));
	fd = open(path, O_RDONLY);
	MUST(fd);
	SHOW("read", read(fd, small, sizeof small));
	SHOW("read at EOF", read(fd, small, sizeof small));
	SHOW("close", close(fd));
	SHOW("chmod", chmod(path, 0600));
	drain(in, "open+read+close+chmod");

	/* Subdirectory, rename, unlink, rmdir. */
	snprintf(path2, sizeof path2, "%s/sub", dir);
	SHOW("mkdir", mkdir(path2, 0755));
	snprintf(path2, sizeof path2, "%s/b", dir);
	SHOW("rename a b", rename(path, path2));
	drain(in, "mkdir+rename");
	SHOW("unlink b", unlink(path2));
	snprintf(path2, sizeof path2, "%s/sub", dir);
	SHOW("rmdir sub", rmdir(path2));
	drain(in, "unlink+rmdir");

	/* Reading the directory. */
	{
		DIR *d = opendir(dir);
		int count = 0;

		while (readdir(d) != NULL)
			count++;
		closedir(d);
		printf("entries = %d\n", count);
	}
	drain(in, "readdir");

	/* Short buffer: the first event does not fit. */
	snprintf(path, sizeof path, "%s/name-longer-than-sixteen", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	MUST(fd);
	close(fd);
	SHOW("read 16 bytes with a named event", read(in, small, sizeof small));
	n = -1;
	ioctl(in, FIONREAD, &n);
	printf("FIONREAD = %d\n", n);
	drain(in, "after short read");

	/* One-shot. */
	n = inotify_add_watch(in, path, IN_OPEN | IN_ONESHOT);
	printf("oneshot wd is new = %d\n", n > wd_file);
	wd_file = n;
	fd = open(path, O_RDONLY);
	close(fd);
	fd = open(path, O_RDONLY);
	close(fd);
	drain(in, "oneshot");

	/* inotify_rm_watch. */
	n = inotify_add_watch(in, path, IN_CLOSE);
	wd_file = n;
	fd_show_fdinfo(in, (const char *const[]){ "inotify wd:", NULL }, " ino:");
	SHOW("rm_watch", inotify_rm_watch(in, n));
	SHOW("rm_watch again", inotify_rm_watch(in, n));
	drain(in, "rm_watch");
	unlink(path);
	drain(in, "unlink");

	/* Errors. */
	SHOW("add_watch mask 0", inotify_add_watch(in, dir, 0));
	SHOW("add_watch missing", inotify_add_watch(in, "/tmp/fd_inotify-does-not-exist", IN_OPEN));
	SHOW("add_watch bad pointer", inotify_add_watch(in, (const char *)8, IN_OPEN));
	SHOW("add_watch empty path", inotify_add_watch(in, "", IN_OPEN));
	snprintf(path, sizeof path, "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	close(fd);
	SHOW("add_watch IN_ONLYDIR on a file", inotify_add_watch(in, path, IN_OPEN | IN_ONLYDIR));
	SHOW("add_watch bad fd", inotify_add_watch(999, dir, IN_OPEN));
	fd = eventfd(0, 0);
	SHOW("add_watch on an eventfd", inotify_add_watch(fd, dir, IN_OPEN));
	SHOW("rm_watch on an eventfd", inotify_rm_watch(fd, 1));
	close(fd);
	SHOW("ioctl unknown", ioctl(in, 0x1234, &n));
	drain(in, "errors");

	/* Overflow: alternate two files so nothing merges. */
	{
		int a, b, count = 0, overflow = 0, lastwd = 0;
		char buf[65536] __attribute__((aligned(8)));

		snprintf(path2, sizeof path2, "%s/g", dir);
		a = open(path, O_WRONLY);
		b = open(path2, O_WRONLY | O_CREAT, 0644);
		drain(in, "overflow setup");
		for (int i = 0; i < 8200; i++) {
			if (write(a, "x", 1) != 1 || write(b, "y", 1) != 1)
				break;
		}
		while ((n = read(in, buf, sizeof buf)) > 0) {
			for (char *p = buf; p < buf + n;) {
				struct inotify_event *e = (struct inotify_event *)p;

				count++;
				if (e->mask & IN_Q_OVERFLOW)
					overflow++;
				lastwd = e->wd;
				p += sizeof *e + e->len;
			}
		}
		printf("overflow: events=%d overflow_events=%d last_wd=%d\n", count, overflow, lastwd);
		close(a);
		close(b);
		unlink(path2);
	}
	unlink(path);
	rmdir(dir);
	drain(in, "cleanup");
	SHOW("close", close(in));
	printf("fd_inotify: done\n");
	return 0;
}

/*
 * fs_fsync_kill DIR: writes DIR/journal (100 numbered records), fsyncs it
 * and its directory, prints "synced BYTES" and then writes one more record
 * without fsync and waits in pause() for the host test to SIGKILL the whole
 * simulator. The host then finds the fsync'd records in the file (issue 6:
 * a guest killed with SIGKILL loses nothing it had fsync'd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/data";
	char path[256];
	snprintf(path, sizeof path, "%s/journal", dir);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return fail("open");
	long total = 0;
	for (int i = 0; i < 100; i++) {
		char rec[64];
		int n = snprintf(rec, sizeof rec, "record %03d fsync'd\n", i);
		if (write(fd, rec, (size_t)n) != n)
			return fail("write");
		total += n;
	}
	if (fsync(fd) != 0)
		return fail("fsync");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || fsync(dfd) != 0)
		return fail("fsync of the directory");
	close(dfd);
	printf("synced %ld\n", total);
	fflush(stdout);
	static const char tail[] = "record 100 not fsync'd\n";
	if (write(fd, tail, sizeof tail - 1) != (ssize_t)(sizeof tail - 1))
		return fail("write after fsync");
	/* The host kills the simulator here; nothing after this line runs. */
	pause();
	puts("FAIL: pause returned");
	return 1;
}

/*
 * k_dlopen: dlopen()s /usr/lib/k_rawsys.so (userspace/tests/lib/k_rawsys.c),
 * whose functions contain raw `syscall` instructions, and calls them. In the
 * simulator the first call of each site traps and is rewritten lazily; the
 * test harness checks the kernel's counter. An optional argument names
 * another library path.
 * Prints one line per check; exits 0 when all passed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *path = argc > 1 ? argv[1] : "/usr/lib/k_rawsys.so";
	void *h = dlopen(path, RTLD_NOW);
	check(h != NULL, "dlopen of the library");
	if (h == NULL) {
		printf("dlerror: %s\n", dlerror());
		return 1;
	}
	long (*rawpid)(void) = (long (*)(void))dlsym(h, "k_raw_getpid");
	long (*rawwrite)(long, const void *, long) = (long (*)(long, const void *, long))dlsym(h, "k_raw_write");
	check(rawpid != NULL && rawwrite != NULL, "dlsym finds both functions");
	int same = 1;
	for (int i = 0; i < 100; i++)
		same = same && rawpid() == getpid();
	check(same, "the library's raw getpid syscall works (100 calls)");
	const char msg[] = "raw write from the library\n";
	check(rawwrite(1, msg, sizeof msg - 1) == (long)(sizeof msg - 1), "the library's raw write syscall works");
	check(dlclose(h) == 0, "dlclose");
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}

/*
 * k_mmap: memory syscalls as a no-MMU kernel (mm/nommu.c) gives them.
 *   - anonymous private and shared mappings are zeroed and usable;
 *   - MAP_FIXED at an address the process does not own fails with EINVAL;
 *   - a private file mapping is a copy: the file's bytes, and writes to the
 *     mapping do not reach the file;
 *   - munmap may split an anonymous mapping but not a file mapping;
 *   - mremap shrinks and grows; brk never grows; mprotect gives ENOSYS;
 *   - bad arguments give Linux's errnos.
 * Prints one line per check; exits 0 when all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void anonymous(void)
{
	size_t n = 5 * 4096;
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "anonymous private mapping");
	check(((uintptr_t)p & 4095) == 0, "mapping is page aligned");
	check(all_zero(p, n), "anonymous mapping is zeroed");
	memset(p, 0xab, n);
	check(p[n - 1] == 0xab, "anonymous mapping is writable");
	/* Unmapping the middle page of an anonymous mapping is allowed. */
	check(munmap(p + 2 * 4096, 4096) == 0, "munmap of a middle page of an anonymous mapping");
	check(munmap(p, 2 * 4096) == 0, "munmap of the head");
	check(munmap(p + 3 * 4096, 2 * 4096) == 0, "munmap of the tail");
	unsigned char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(s != MAP_FAILED && all_zero(s, 4096), "anonymous shared mapping, zeroed");
	check(munmap(s, 4096) == 0, "munmap of the shared mapping");
}

static void fixed(void)
{
	void *want = (void *)0x10000000;
	errno = 0;
	void *p = mmap(want, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(p == MAP_FAILED && errno == EINVAL, "MAP_FIXED at an address not owned: EINVAL");
}

static void file_mapping(void)
{
	const char *path = "/tmp/k_mmap.data";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0, "create a file in /tmp");
	char buf[6000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 'a' + i % 26;
	check(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write 6000 bytes");
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(m != MAP_FAILED, "private file mapping");
	check(memcmp(m, buf, sizeof buf) == 0, "mapping holds the file's bytes");
	check(all_zero((unsigned char *)m + sizeof buf, 8192 - sizeof buf), "past end of file reads as zero");
	m[0] = 'Z';
	char c = 0;
	pread(fd, &c, 1, 0);
	check(c == 'a', "writes to a private mapping do not reach the file");
	errno = 0;
	check(munmap(m, 4096) == -1 && errno == EINVAL, "partial munmap of a file mapping: EINVAL");
	check(munmap(m, 8192) == 0, "munmap of the whole file mapping");
	char *o = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	check(o != MAP_FAILED && memcmp(o, buf + 4096, sizeof buf - 4096) == 0, "file mapping at offset 4096");
	munmap(o, 4096);
	errno = 0;
	check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == ENODEV,
		"writable shared file mapping: ENODEV (no MMU)");
	errno = 0;
	check(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL, "unaligned offset: EINVAL");
	close(fd);
	unlink(path);
}

static void errors(void)
{
	errno = 0;
	check(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL, "length 0: EINVAL");
	errno = 0;
	check(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED && errno == EBADF, "bad fd: EBADF");
	errno = 0;
	check(mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL, "neither shared nor private: EINVAL");
	errno = 0;
	check(munmap((void *)0x12345, 4096) == -1 && errno == EINVAL, "unaligned munmap: EINVAL");
	errno = 0;
	check(mmap(NULL, (size_t)1 << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == ENOMEM,
		"a mapping larger than RAM: ENOMEM");
}

static void remap(void)
{
	unsigned char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 7, 3 * 4096);
	unsigned char *q = mremap(p, 3 * 4096, 4096, 0);
	check(q == p, "mremap shrinks in place");
	unsigned char *r = mremap(q, 4096, 64 * 4096, MREMAP_MAYMOVE);
	check(r != MAP_FAILED && r[0] == 7 && r[4095] == 7, "mremap grows, keeping the contents");
	check(all_zero(r + 4096, 63 * 4096), "grown part is zeroed");
	check(munmap(r, 64 * 4096) == 0, "munmap after mremap");
}

static void no_mmu(void)
{
	void *b = sbrk(0);
	errno = 0;
	void *b2 = (void *)syscall(SYS_brk, (char *)b + 65536);
	check(b2 == b, "brk does not grow");
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = 0;
	check(mprotect(p, 4096, PROT_READ) == -1 && errno == ENOSYS, "mprotect: ENOSYS (no MMU)");
	munmap(p, 4096);
	/* malloc still works (musl falls back to mmap). */
	char *big = malloc(1 << 20);
	check(big != NULL, "malloc of 1 MiB");
	memset(big, 1, 1 << 20);
	free(big);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	anonymous();
	fixed();
	file_mapping();
	errors();
	remap();
	no_mmu();
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}

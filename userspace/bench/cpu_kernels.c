/*
 * cpu_kernels: CPU-bound work with deterministic checksums, for measuring
 * guest instructions per second and for comparing a simulated run against
 * a native one. Between the start and the final write it makes no system
 * call, so its time is almost all instruction execution.
 *
 *   cpu_kernels [-r ROUNDS] [-t] [KERNEL...]     KERNEL: crc32 sort fib
 *                                                matmul hash fp, int, all
 *
 * Prints "kernel=NAME rounds=R checksum=0x..." per kernel and a combined
 * "checksum=0x..." line. The default set ("int") uses integer arithmetic
 * only; "fp" (double matrix product, SSE2) runs when asked for by name or
 * with "all". -t adds each kernel's wall time (not deterministic).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUF_BYTES (64 * 1024)
#define SORT_N 8192
#define MAT_N 32
#define FMAT_N 24

static uint8_t buf[BUF_BYTES];
static uint32_t sort_a[SORT_N];
static uint32_t crc_table[256];
static uint32_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];
static double fa[FMAT_N][FMAT_N], fb[FMAT_N][FMAT_N], fc[FMAT_N][FMAT_N];

static uint64_t rng_state;

static uint64_t xorshift64(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

/* CRC-32 (IEEE, reflected), table-driven, over a pseudo-random buffer. */
static uint64_t k_crc32(void)
{
	uint32_t crc = 0xffffffffu;

	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	seed(1);
	for (size_t i = 0; i < BUF_BYTES; i += 8) {
		uint64_t v = xorshift64();

		memcpy(buf + i, &v, 8);
	}
	for (size_t i = 0; i < BUF_BYTES; i++)
		crc = crc_table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

static void insertion_sort(uint32_t *a, long lo, long hi)
{
	for (long i = lo + 1; i <= hi; i++) {
		uint32_t v = a[i];
		long j = i - 1;

		while (j >= lo && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

/* Quicksort with median-of-three pivots and insertion sort for small runs. */
static void quick_sort(uint32_t *a, long lo, long hi)
{
	while (hi - lo > 16) {
		long mid = lo + (hi - lo) / 2, i = lo, j = hi;
		uint32_t x = a[lo], y = a[mid], z = a[hi], pivot, t;

		pivot = (x < y) ? ((y < z) ? y : (x < z ? z : x)) : ((x < z) ? x : (y < z ? z : y));
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		/* Recurse into the smaller side to bound the stack depth. */
		if (j - lo < hi - i) {
			quick_sort(a, lo, j);
			lo = i;
		} else {
			quick_sort(a, i, hi);
			hi = j;
		}
	}
	insertion_sort(a, lo, hi);
}

static uint64_t k_sort(void)
{
	uint64_t sum = 0;

	seed(2);
	for (int i = 0; i < SORT_N; i++)
		sort_a[i] = (uint32_t)xorshift64();
	quick_sort(sort_a, 0, SORT_N - 1);
	for (int i = 0; i < SORT_N; i++) {
		if (i > 0 && sort_a[i - 1] > sort_a[i])
			return 0xbad;
		sum = sum * 31 + sort_a[i];
	}
	return sum;
}

static uint32_t fib_rec(uint32_t n)
{
	return n < 2 ? n : fib_rec(n - 1) + fib_rec(n - 2);
}

/* Calls and returns (recursive) plus a long dependent add chain. */
static uint64_t k_fib(void)
{
	uint64_t a = 0, b = 1;

	for (int i = 0; i < 200000; i++) {
		uint64_t t = a + b;

		a = b;
		b = t;
	}
	return b ^ ((uint64_t)fib_rec(22) << 32);
}

static uint64_t k_matmul(void)
{
	uint64_t sum = 0;

	seed(3);
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			ma[i][j] = (uint32_t)xorshift64() & 0xffff;
			mb[i][j] = (uint32_t)xorshift64() & 0xffff;
		}
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			uint32_t acc = 0;

			for (int k = 0; k < MAT_N; k++)
				acc += ma[i][k] * mb[k][j];
			mc[i][j] = acc;
		}
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++)
			sum = (sum << 5 | sum >> 59) ^ mc[i][j];
	return sum;
}

/* FNV-1a and a 64-bit finaliser: multiplies, shifts, rotates. */
static uint64_t k_hash(void)
{
	uint64_t h = 0xcbf29ce484222325ULL, m = 0;

	seed(4);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = xorshift64();

		for (int k = 0; k < 8; k++) {
			h ^= (v >> (8 * k)) & 0xff;
			h *= 0x100000001b3ULL;
		}
		v ^= v >> 33;
		v *= 0xff51afd7ed558ccdULL;
		v ^= v >> 33;
		m += v;
	}
	return h ^ m;
}

static uint64_t k_fp(void)
{
	double sum = 0;
	uint64_t bits;

	seed(5);
	for (int i = 0; i < FMAT_N; i++)
		for (int j = 0; j < FMAT_N; j++) {
			fa[i][j] = (double)(xorshift64() & 0xffff) / 4096.0;
			fb[i][j] = (double)(xorshift64() & 0xffff) / 8192.0 - 4.0;
		}
	for (int i = 0; i < FMAT_N; i++)
		for (int j = 0; j < FMAT_N; j++) {
			double acc = 0;

			for (int k = 0; k < FMAT_N; k++)
				acc += fa[i][k] * fb[k][j];
			fc[i][j] = acc;
		}
	for (int i = 0; i < FMAT_N; i++)
		for (int j = 0; j < FMAT_N; j++)
			sum += fc[i][j] * (double)(i + 1) / (double)(j + 1);
	memcpy(&bits, &sum, sizeof(bits));
	return bits;
}

struct kernel {
	const char *name;
	uint64_t (*fn)(void);
	int in_int_set;
};

static const struct kernel kernels[] = {
	{ "crc32", k_crc32, 1 },
	{ "sort", k_sort, 1 },
	{ "fib", k_fib, 1 },
	{ "matmul", k_matmul, 1 },
	{ "hash", k_hash, 1 },
	{ "fp", k_fp, 0 },
};
#define NKERNELS ((int)(sizeof(kernels) / sizeof(kernels[0])))

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cpu_kernels [-r ROUNDS] [-t] [KERNEL...]\n"
		   "kernels: crc32 sort fib matmul hash fp; 'int' (default) = all but fp; 'all'\n");
}

int main(int argc, char **argv)
{
	long rounds = 1;
	int timing = 0, selected[NKERNELS] = { 0 }, any = 0;
	uint64_t total = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-r") == 0 && i + 1 < argc) {
			rounds = strtol(argv[++i], NULL, 10);
			if (rounds < 1) {
				fprintf(stderr, "cpu_kernels: -r wants a positive count\n");
				return 2;
			}
		} else if (strcmp(a, "-t") == 0) {
			timing = 1;
		} else if (strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "int") == 0 || strcmp(a, "all") == 0) {
			for (int k = 0; k < NKERNELS; k++)
				if (kernels[k].in_int_set || a[0] == 'a')
					selected[k] = 1;
			any = 1;
		} else {
			int found = 0;

			for (int k = 0; k < NKERNELS; k++)
				if (strcmp(a, kernels[k].name) == 0)
					selected[k] = found = 1;
			if (!found) {
				fprintf(stderr, "cpu_kernels: unknown kernel '%s'\n", a);
				usage(stderr);
				return 2;
			}
			any = 1;
		}
	}
	if (!any)
		for (int k = 0; k < NKERNELS; k++)
			selected[k] = kernels[k].in_int_set;

	for (int k = 0; k < NKERNELS; k++) {
		uint64_t sum = 0;
		long long t0, t1;

		if (!selected[k])
			continue;
		t0 = timing ? now_ns() : 0;
		for (long r = 0; r < rounds; r++)
			sum = (sum << 7 | sum >> 57) ^ kernels[k].fn();
		t1 = timing ? now_ns() : 0;
		total = (total << 11 | total >> 53) ^ sum;
		if (timing)
			printf("kernel=%s rounds=%ld checksum=0x%016llx ns=%lld\n", kernels[k].name, rounds,
			       (unsigned long long)sum, t1 - t0);
		else
			printf("kernel=%s rounds=%ld checksum=0x%016llx\n", kernels[k].name, rounds,
			       (unsigned long long)sum);
	}
	printf("checksum=0x%016llx\n", (unsigned long long)total);
	return 0;
}

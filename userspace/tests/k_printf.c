/*
 * k_printf: musl's floating-point printing and parsing, and a few libm
 * calls, over values where an x87 that is not exactly 80-bit goes wrong.
 * musl formats every double through long double arithmetic (fmt_fp) and
 * decides decimal rounding with 64-bit significands, so %.1f of 0.96 printed
 * 0.9 on a double-precision x87. Deterministic output: the test runs it
 * natively and in the simulator (both CPU tiers) and compares the lines.
 * "ok:"/"FAIL:" lines check a few results against their known text as well.
 * Inputs are read through volatile objects so that gcc cannot fold the
 * libm calls at compile time.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static volatile double dv[] = {
	0.96, 2.0, 3.0, 1e300, 5e-324, DBL_MAX, -0.0, 0.0, 0.1, 0.5, 1.5, 2.5, 3.5, 0.125, 0.375, 1.005, 2.675,
	1e23, 9007199254740993.0, 123456789.125, DBL_MIN, 2.2250738585072009e-308, 1e-5, 123456.5, 0.05, 1.0 / 3,
	299792458.0, -1.25e-310,
};
#define ND (sizeof dv / sizeof dv[0])

static volatile long double ldv[] = {
	0.96L, 2.0L / 3, LDBL_MAX, LDBL_MIN, 3.6451995318824746025e-4951L, -0.0L, 0.1L, 1.0L, 0.5L, 2.5L,
	1.00000000000000000005L, 1e4000L, 1e-4000L, 12345678901234567890.5L, 0.05L, -7.0L / 3,
};
#define NLD (sizeof ldv / sizeof ldv[0])

static void expect(const char *what, const char *got, const char *want) {
	if (strcmp(got, want) == 0) {
		printf("ok: %s = %s\n", what, got);
	} else {
		printf("FAIL: %s = %s, want %s\n", what, got, want);
		failures++;
	}
}

static void doubles(void) {
	for (size_t i = 0; i < ND; i++) {
		double x = dv[i];
		printf("d%zu: %f | %.1f | %.17g | %g | %e | %a | %.0f | %.2f | %.30f\n", i, x, x, x, x, x, x, x, x, x);
	}
	double inf = dv[5] * dv[1], nan = inf - inf;
	printf("inf: %f %e %g %a %F %E %G\n", inf, -inf, inf, inf, inf, -inf, inf);
	printf("nan: %f %e %g %a\n", nan, nan, -nan, nan);
	printf("2/3: %f %.1f %.17g %g %e %a\n", dv[1] / dv[2], dv[1] / dv[2], dv[1] / dv[2], dv[1] / dv[2], dv[1] / dv[2], dv[1] / dv[2]);
	printf("DBL_MAX %%f: %f\n", dv[5]);
	printf("5e-324 %%.1100f: %.1100f\n", dv[4]);
	printf("widths: [%10.3f] [%-10.2e] [%+g] [% .3g] [%#.0f] [%#g] [%010.4f] [%.0e]\n", dv[0], dv[0], dv[0], dv[0], dv[1],
	       dv[1], -dv[0], dv[23]);
}

static void long_doubles(void) {
	for (size_t i = 0; i < NLD; i++) {
		long double x = ldv[i];
		/* %Lf of the huge values prints thousands of digits: once, below, is enough */
		if (fabsl(x) < 1e40L)
			printf("ld%zu: %.10Lf | %Le | %La | %.20Lg | %.0Lf | %.25Le\n", i, x, x, x, x, x, x);
		else
			printf("ld%zu: %Le | %La | %.20Lg | %.25Le\n", i, x, x, x, x);
	}
	printf("LDBL_MAX %%Lf: %Lf\n", ldv[2]);
	printf("LDBL_TRUE_MIN %%.3Lg: %.3Lg\n", ldv[4]);
}

static void checks(void) {
	char b[128];
	snprintf(b, sizeof b, "%.1f", dv[0]);
	expect("%.1f of 0.96", b, "1.0");
	snprintf(b, sizeof b, "%.6g", dv[1] / dv[2]);
	expect("%.6g of 2/3", b, "0.666667");
	snprintf(b, sizeof b, "%.17g", dv[8]);
	expect("%.17g of 0.1", b, "0.10000000000000001");
	snprintf(b, sizeof b, "%.0f %.0f %.0f %.2f %.2f", dv[9], dv[11], dv[12], dv[13], dv[15]);
	expect("halfway cases", b, "0 2 4 0.12 1.00");
	snprintf(b, sizeof b, "%.17g", dv[5]);
	expect("%.17g of DBL_MAX", b, "1.7976931348623157e+308");
	snprintf(b, sizeof b, "%e", dv[4]);
	expect("%e of 5e-324", b, "4.940656e-324");
	snprintf(b, sizeof b, "%a %La", dv[1] / 2, (long double)dv[1] / 2);
	expect("%a and %La of 1", b, "0x1p+0 0x1p+0");
	snprintf(b, sizeof b, "%.20Lg", ldv[1]);
	expect("%.20Lg of 2/3L", b, "0.66666666666666666668");
	snprintf(b, sizeof b, "%g %g", dv[22], dv[23]);
	expect("%g of 1e-5 and 123456.5", b, "1e-05 123456");
}

static const char *const dstr[] = {
	"0.1", "0.96", "1e-320", "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623159e308",
	"4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "9007199254740993",
	"0x1.fffffffffffffp1023", "1e400", "-1e-400", "nan", "-inf", "123456789012345678901234567890", ".5e1",
	"  +3.25xyz", "0x.8p1", "1e", "infinity",
};

static const char *const ldstr[] = {
	"0.1", "3.36210314311209350626e-4932", "1.18973149535723176502e+4932", "3.6451995318824746025e-4951",
	"1e-4960", "1.18973149535723176508575932662800702e4932", "0.96", "2.5", "12345678901234567890.5",
	"0x1.23456789abcdefp-16000",
};

static void parsing(void) {
	for (size_t i = 0; i < sizeof dstr / sizeof dstr[0]; i++) {
		char *end;
		errno = 0;
		double x = strtod(dstr[i], &end);
		int err = errno;
		char b[64];
		snprintf(b, sizeof b, "%.17g", x);
		double back = strtod(b, NULL);
		printf("strtod(\"%s\"): %a %.17g errno %d used %d round-trip %s\n", dstr[i], x, x, err, (int)(end - dstr[i]),
		       back == x || (x != x && back != back) ? "same" : "DIFFERENT");
		if (!(back == x || (x != x && back != back))) failures++;
	}
	for (size_t i = 0; i < sizeof ldstr / sizeof ldstr[0]; i++) {
		char *end;
		errno = 0;
		long double x = strtold(ldstr[i], &end);
		int err = errno;
		char b[64];
		snprintf(b, sizeof b, "%.21Lg", x);
		long double back = strtold(b, NULL);
		printf("strtold(\"%s\"): %La %.21Lg errno %d used %d round-trip %s\n", ldstr[i], x, x, err, (int)(end - ldstr[i]),
		       back == x ? "same" : "DIFFERENT");
		if (back != x) failures++;
	}
	float f = strtof("16777217", NULL);
	printf("strtof(\"16777217\"): %a %.9g\n", f, f);
}

static void libm(void) {
	double two = dv[1], three = dv[2], inf = dv[5] * two;
	printf("sqrt: %.17g %.17g %.17g %g %g\n", sqrt(two), sqrt(dv[0]), sqrt(dv[4]), sqrt(-two), sqrt(dv[6]));
	printf("floor: %g %g %g %g %.17g\n", floor(-dv[11]), floor(dv[11]), floor(dv[6]), floor(-dv[4]), floor(dv[18]));
	printf("fmod: %g %g %.17g %g %g %g\n", fmod(10 * two, three), fmod(-10 * two, three), fmod(dv[3], three),
	       fmod(dv[10], inf), fmod(two, dv[7]), fmod(dv[0], dv[8]));
	int e;
	double m = frexp(dv[0], &e);
	printf("frexp(0.96): %.17g %d\n", m, e);
	m = frexp(dv[4], &e);
	printf("frexp(5e-324): %.17g %d\n", m, e);
	m = frexp(dv[5], &e);
	printf("frexp(DBL_MAX): %.17g %d\n", m, e);
	printf("ldexp: %a %a %a %a %g\n", ldexp(dv[9] * 2, -1074), ldexp(dv[9] * 2, 1024), ldexp(dv[14] * 2, -1075),
	       ldexp(dv[14] * 2, -1076), ldexp(dv[0], 10));
	/* expl and logl go through the x87 transcendentals, which the simulator computes to about
	   double precision (docs/cpu.md): 15 significant digits say what must agree. */
	long double one = ldv[7];
	printf("expl: %.15Lg %.15Lg %.15Lg %.15Lg %.15Lg %Lg\n", expl(one), expl(-one), expl(one * 11356), expl(-one * 11400),
	       expl(ldv[0]), expl(-one / 0.0L));
	printf("logl: %.15Lg %.15Lg %.15Lg %.15Lg %Lg %Lg\n", logl(one * 2), logl(ldv[0]), logl(ldv[2]), logl(ldv[3]),
	       logl(ldv[5]), logl(-one));
}

int main(void) {
	doubles();
	long_doubles();
	checks();
	parsing();
	libm();
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures != 0;
}

/*
 * hello: the first guest program. Prints a fixed greeting, then argc/argv
 * and the number of environment strings, so a test can check that the
 * loader built the initial stack (argv, envp) the way the ABI says.
 */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv)
{
	int envc = 0;

	while (environ[envc] != NULL)
		envc++;
	printf("hello from nommu-um\n");
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	printf("envc=%d\n", envc);
	return 0;
}

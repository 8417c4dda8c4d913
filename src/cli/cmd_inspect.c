/* PLACEHOLDER: replaced by the implementation of inspect */
#include "cli/cli.h"

int
cmd_inspect(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_error("not implemented yet");
}

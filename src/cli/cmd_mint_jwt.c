/* PLACEHOLDER: replaced by the implementation of mint jwt */
#include "cli/cli.h"

int
cmd_mint_jwt(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_error("not implemented yet");
}

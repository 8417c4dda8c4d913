/* PLACEHOLDER: replaced by the implementation of mint aws */
#include "cli/cli.h"

int
cmd_mint_aws(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_error("not implemented yet");
}

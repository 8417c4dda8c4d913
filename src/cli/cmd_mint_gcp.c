/* PLACEHOLDER: replaced by the implementation of mint gcp */
#include "cli/cli.h"

int
cmd_mint_gcp(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_error("not implemented yet");
}

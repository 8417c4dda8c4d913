/* PLACEHOLDER: replaced by the implementation of mint ssh */
#include "cli/cli.h"

int
cmd_mint_ssh(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_error("not implemented yet");
}

/* PLACEHOLDER: replaced by the implementation of mint x509 */
#include "cli/cli.h"

int
cmd_mint_x509(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_error("not implemented yet");
}

/* PLACEHOLDER: replaced by the implementation of oidc */
#include "cli/cli.h"

int
cmd_oidc(int argc, char **argv)
{
	(void)argc; (void)argv;
	return cli_error("not implemented yet");
}

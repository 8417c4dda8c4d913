/* PLACEHOLDER: OpenSSH private key format, to be implemented */
#include "lib/keys.h"
#include "util/err.h"

int
ct_sshkey_private_openssh(EVP_PKEY *pkey, const char *comment, char **out, size_t *outlen)
{
	(void)pkey; (void)comment; *out = NULL; *outlen = 0;
	return ct_error(CT_ERR_UNSUPPORTED, "OpenSSH private key format not implemented yet");
}

int
ct_sshkey_parse_private_openssh(const uint8_t *data, size_t len, const char *what, EVP_PKEY **out)
{
	(void)data; (void)len; *out = NULL;
	return ct_error(CT_ERR_UNSUPPORTED, "'%s': OpenSSH private key format not implemented yet", what);
}

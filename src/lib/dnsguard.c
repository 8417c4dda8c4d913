/*
 * dnsguard.c - the DNS proxy child's cgroup and egress programs (see dnsguard.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/dnsguard.skel.h"

#include "../../bpf/dnsguard.h"
#include "lib/cgroup.h"
#include "lib/dnsguard.h"
#include "util/err.h"

struct ct_dnsguard {
	struct ct_cgroup cg;
	int back_fd;			/* cgroup.procs of where the caller was */
	struct dnsguard_bpf *skel;
};

static int
join(int procs_fd, const char *where)
{
	if (write(procs_fd, "0", 1) != 1)
		return ct_error(CT_ERR_SYSTEM, "cannot move into cgroup '%s': %s", where,
		    strerror(errno));
	return 0;
}

int
ct_dnsguard_enter(struct ct_dnsguard **out, const char *name)
{
	struct ct_dnsguard *g;
	char *self = NULL, *procs = NULL;
	int fd = -1, r;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return ct_error(CT_ERR_NOMEM, "out of memory");
	g->cg.dirfd = -1;
	g->back_fd = -1;
	if ((r = ct_cgroup_self(&self)) != 0)
		goto fail;
	if (asprintf(&procs, "%s/cgroup.procs", self) < 0) {
		procs = NULL;
		r = ct_error(CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((g->back_fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0) {
		r = ct_error(CT_ERR_SYSTEM, "cannot open '%s'", procs);
		goto fail;
	}
	if ((r = ct_cgroup_create(&g->cg, name)) != 0)
		goto fail;
	if ((r = ct_cgroup_procs_fd(&g->cg, &fd)) != 0 || (r = join(fd, g->cg.path)) != 0)
		goto fail;
	close(fd);
	free(self);
	free(procs);
	*out = g;
	return 0;
 fail:
	if (fd >= 0)
		close(fd);
	free(self);
	free(procs);
	ct_dnsguard_free(g);
	return r;
}

int
ct_dnsguard_leave(struct ct_dnsguard *g)
{
	return join(g->back_fd, "of credtrail");
}

int
ct_dnsguard_attach(struct ct_dnsguard *g, const struct sockaddr_storage *up,
    uint16_t listen_port)
{
	struct dnsguard_bpf *s;
	int err;

	if (g->skel != NULL)
		return ct_error(CT_ERR_INVALID, "the DNS proxy's egress programs are attached");
	if ((g->skel = s = dnsguard_bpf__open()) == NULL)
		return ct_error(CT_ERR_SYSTEM, "cannot open the DNS proxy's egress programs");
	if (up->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)up;

		s->rodata->cfg_up_family = CT_DG_AF_INET;
		s->rodata->cfg_up_ip4 = a->sin_addr.s_addr;
		s->rodata->cfg_up_port = ntohs(a->sin_port);
	} else if (up->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)up;

		s->rodata->cfg_up_family = CT_DG_AF_INET6;
		memcpy((void *)s->rodata->cfg_up_ip6, &a->sin6_addr, 16);
		s->rodata->cfg_up_port = ntohs(a->sin6_port);
	} else {
		return ct_error(CT_ERR_INVALID, "the upstream resolver is not an inet address");
	}
	s->rodata->cfg_listen_port = listen_port;
	if ((err = dnsguard_bpf__load(s)) != 0) {
		errno = -err;
		return ct_error(CT_ERR_SYSTEM, "cannot load the DNS proxy's egress programs");
	}
	if ((s->links.dg_connect4 = bpf_program__attach_cgroup(s->progs.dg_connect4,
	    g->cg.dirfd)) == NULL ||
	    (s->links.dg_connect6 = bpf_program__attach_cgroup(s->progs.dg_connect6,
	    g->cg.dirfd)) == NULL ||
	    (s->links.dg_sendmsg4 = bpf_program__attach_cgroup(s->progs.dg_sendmsg4,
	    g->cg.dirfd)) == NULL ||
	    (s->links.dg_sendmsg6 = bpf_program__attach_cgroup(s->progs.dg_sendmsg6,
	    g->cg.dirfd)) == NULL)
		return ct_error(CT_ERR_SYSTEM, "cannot attach the DNS proxy's egress programs to "
		    "'%s'", g->cg.path);
	return 0;
}

const char *
ct_dnsguard_path(const struct ct_dnsguard *g)
{
	return g->cg.path;
}

int
ct_dnsguard_refused(const struct ct_dnsguard *g, uint64_t *out)
{
	uint64_t v;
	uint32_t k;
	int fd;

	*out = 0;
	if (g->skel == NULL)
		return 0;
	fd = bpf_map__fd(g->skel->maps.refused);
	for (k = 0; k < 2; k++) {
		if (bpf_map_lookup_elem(fd, &k, &v) != 0)
			return ct_error(CT_ERR_SYSTEM, "cannot read the DNS proxy's egress counters");
		*out += v;
	}
	return 0;
}

void
ct_dnsguard_free(struct ct_dnsguard *g)
{
	if (g == NULL)
		return;
	dnsguard_bpf__destroy(g->skel);
	if (g->cg.path != NULL) {
		/* best effort: a child still leaving keeps it busy for a moment */
		if (ct_cgroup_remove(&g->cg) != 0)
			ct_error_clear();
	}
	ct_cgroup_release(&g->cg);
	if (g->back_fd >= 0)
		close(g->back_fd);
	free(g);
}

/*
 * dnsguard.h - what dnsguard.bpf.c and its loader (src/lib/dnsguard.c) share.
 */
#ifndef CT_BPF_DNSGUARD_H
#define CT_BPF_DNSGUARD_H

#define CT_DG_AF_INET	2
#define CT_DG_AF_INET6	10

#endif

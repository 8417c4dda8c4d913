/*
 * escape: packet sockets
 * how: socket(AF_PACKET, SOCK_RAW) in the host's network namespace, then inside a user and network namespace of its own (where it holds CAP_NET_RAW), and a frame sent on it
 * notes: no cgroup hook sees packet sockets: in enforce mode credtrail's seccomp filter traps socket() for families other than unix, inet, inet6 and netlink (SIGSYS, recorded); in audit mode the host namespace refuses it for want of CAP_NET_RAW (a denied event) and the first send on the one made in its own namespace is recorded
 *
 * usage: packet   (prints "host packet RESULT", "userns packet RESULT" and "userns send RESULT")
 */
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sched.h>

#include "esc.h"

int
main(void)
{
	struct sockaddr_ll ll;
	unsigned char frame[ETH_ZLEN];
	int fd;

	esc_pid();
	esc_catch_sigsys();
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	esc_say("host packet", esc_sock_result(fd));
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		esc_die("unshare");
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	esc_say("userns packet", esc_sock_result(fd));
	if (fd < 0)
		return 0;
	/* a frame on this namespace's own lo: all a packet socket here can reach */
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_IP);
	ll.sll_ifindex = 1;
	ll.sll_halen = ETH_ALEN;
	memset(frame, 0, sizeof(frame));
	esc_say("userns send", sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&ll,
	    sizeof(ll)) >= 0 ? "sent" : esc_errname(errno));
	return 0;
}

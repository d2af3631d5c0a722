#!/bin/bash
# Records the real captures whose bytes the decoder unit tests quote (test/decode/*.test.ts).
# Run as root: bash test/decode/record-fixtures.sh OUTDIR   (then `tcpdump -r OUTDIR/F -xx`).
# Uses network namespaces dec-a, dec-r, dec-b and only 198.18.0.0/15 and 2001:db8::/32.
#
#   dec-a (198.18.1.1, 2001:db8:1::1) -- a0/r0 -- dec-r (router) -- r1/b0 (MTU 1280) -- dec-b (198.18.2.1, 2001:db8:2::1)
#
# Files: sll.pcap / sll2.pcap (tcpdump -i any, both cooked formats), ipv4-options.pcap (IP_OPTIONS
# on the socket), ipv6-ext.pcap (sticky hop-by-hop and destination options), ipv6-srh.pcap (SRv6
# inline routing header), ipv4-frag.pcap (DF clear, fragmented by dec-r onto the 1280 link),
# snaplen.pcap (-s 60), tfo.pcap (Linux Fast Open, kind 34).
set -euo pipefail
OUT=${1:?usage: record-fixtures.sh OUTDIR}
mkdir -p "$OUT"
NS="dec-a dec-r dec-b"
cleanup() { for n in $NS; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup
for n in $NS; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add a0 netns dec-a type veth peer name r0 netns dec-r
ip link add r1 netns dec-r type veth peer name b0 netns dec-b
ip -n dec-a link set a0 up; ip -n dec-r link set r0 up; ip -n dec-r link set r1 up; ip -n dec-b link set b0 up
ip -n dec-r link set r1 mtu 1280; ip -n dec-b link set b0 mtu 1280
ip -n dec-a addr add 198.18.1.1/24 dev a0; ip -n dec-r addr add 198.18.1.254/24 dev r0
ip -n dec-r addr add 198.18.2.254/24 dev r1; ip -n dec-b addr add 198.18.2.1/24 dev b0
ip -n dec-a addr add 2001:db8:1::1/64 dev a0 nodad; ip -n dec-r addr add 2001:db8:1::fe/64 dev r0 nodad
ip -n dec-r addr add 2001:db8:2::fe/64 dev r1 nodad; ip -n dec-b addr add 2001:db8:2::1/64 dev b0 nodad
ip -n dec-a route add default via 198.18.1.254
# advmss 1460: b invites full-size segments although its own link is 1280, so a's DF-clear
# segments must be fragmented by the router.
ip -n dec-b route add default via 198.18.2.254 advmss 1460
ip -n dec-a -6 route add default via 2001:db8:1::fe; ip -n dec-b -6 route add default via 2001:db8:2::fe
ip netns exec dec-r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec dec-b sysctl -qw net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.b0.seg6_enabled=1
for n in dec-a dec-b; do ip netns exec "$n" sysctl -qw net.ipv4.tcp_fastopen=3; done

# A server in b that reads everything and answers "ok" (IPv4 and IPv6 on port 8080).
ip netns exec dec-b python3 - <<'EOF' &
import socket, threading
def serve(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, 23, 16)  # TCP_FASTOPEN queue
    if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 8080)); s.listen(16)
    while True:
        c, _ = s.accept()
        while c.recv(65536): pass
        c.sendall(b'ok'); c.close()
threading.Thread(target=serve, args=(socket.AF_INET6, '::'), daemon=True).start()
serve(socket.AF_INET, '0.0.0.0')
EOF
SERVER=$!
sleep 0.5

client() { # netns python-snippet
  ip netns exec dec-a python3 -c "
import socket, time
$1
"
}
capture() { # file netns tcpdump-args... ; runs until stop_capture
  ip netns exec "$2" tcpdump -U -q -w "$OUT/$1" "${@:3}" 2>/dev/null &
  CAP=$!; sleep 1.5
}
stop_capture() { sleep 0.5; kill "$CAP"; wait "$CAP" 2>/dev/null || true; }

PLAIN='s = socket.create_connection(("198.18.2.1", 8080)); s.sendall(b"hello"); s.shutdown(socket.SHUT_WR); s.recv(10); s.close()'

capture sll2.pcap dec-a -i any -y LINUX_SLL2 tcp; client "$PLAIN"; stop_capture
capture sll.pcap dec-a -i any -y LINUX_SLL tcp; client "$PLAIN"; stop_capture

# IPv4 options (RFC 791): NOP, NOP, NOP, EOL — 4 bytes, IHL 6.
capture ipv4-options.pcap dec-a -i a0 tcp
client 's = socket.socket(); s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x01\x01\x01\x00")
s.connect(("198.18.2.1", 8080)); s.sendall(b"opts"); s.shutdown(socket.SHUT_WR); s.recv(10); s.close()'
stop_capture

# IPv6 hop-by-hop (IPV6_HOPOPTS=54) and destination options (IPV6_DSTOPTS=59), each one PadN to 8 bytes.
capture ipv6-ext.pcap dec-a -i a0 ip6 and not icmp6
client 's = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, 54, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
s.setsockopt(socket.IPPROTO_IPV6, 59, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
s.connect(("2001:db8:2::1", 8080)); s.sendall(b"ext"); s.shutdown(socket.SHUT_WR); s.recv(10); s.close()'
stop_capture

# SRv6 routing header (RFC 8754), inserted inline by a's route.
ip -n dec-a -6 route add 2001:db8:2::1/128 via 2001:db8:1::fe encap seg6 mode inline segs 2001:db8:2::fe
capture ipv6-srh.pcap dec-a -i a0 ip6 and not icmp6
client 's = socket.create_connection(("2001:db8:2::1", 8080), timeout=2); s.sendall(b"srh"); s.shutdown(socket.SHUT_WR)
try: s.recv(10)
except Exception: pass
s.close()' 2>/dev/null || true # b drops the SRH packets it cannot route back: only the SYNs matter
stop_capture
ip -n dec-a -6 route del 2001:db8:2::1/128

# IPv4 fragments: DF clear (IP_MTU_DISCOVER = IP_PMTUDISC_DONT), 1460-byte segments, 1280 MTU beyond the router.
capture ipv4-frag.pcap dec-b -i b0 tcp or '(ip[6:2] & 0x1fff != 0)'
client 's = socket.socket(); s.setsockopt(socket.IPPROTO_IP, 10, 0)
s.connect(("198.18.2.1", 8080)); s.sendall(b"x" * 3000); s.shutdown(socket.SHUT_WR); s.recv(10); s.close()'
stop_capture

capture snaplen.pcap dec-a -i a0 -s 60 tcp; client "$PLAIN"; stop_capture

# Fast Open: the first connection fetches a cookie, the second sends data on the SYN.
capture tfo.pcap dec-a -i a0 tcp
client 'for i in range(2):
    s = socket.socket(); s.sendto(b"tfo", 0x20000000, ("198.18.2.1", 8080)); s.shutdown(socket.SHUT_WR); s.recv(10); s.close(); time.sleep(0.2)'
stop_capture

kill "$SERVER" 2>/dev/null || true
ls -l "$OUT"

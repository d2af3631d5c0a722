#!/usr/bin/env bash
# Records the benchmark capture: real kernel TCP inside a private network namespace (its own
# loopback, MTU 1500 so segments have realistic sizes), captured by tcpdump.
#   N_CONN short request/response connections (handshake, a little data, close), plus
#   N_BULK bulk transfers of BULK_MB each.
# Usage: sudo bench/make-capture.sh [out.pcap]   (default bench/.data/bench.pcap)
set -euo pipefail
cd "$(dirname "$0")"
OUT=${1:-.data/bench.pcap}
N_CONN=${N_CONN:-60000}
N_BULK=${N_BULK:-4}
BULK_MB=${BULK_MB:-128}
NS=bench-tcptrace
mkdir -p "$(dirname "$OUT")"
ip netns del $NS 2>/dev/null || true
ip netns add $NS
trap 'kill $TD 2>/dev/null || true; ip netns del $NS 2>/dev/null || true' EXIT
ip netns exec $NS ip link set lo mtu 1500 up
# Without offloads tcpdump sees wire-sized segments, not 64 KB GSO super-packets.
ip netns exec $NS ethtool -K lo gso off tso off gro off 2>/dev/null || echo "ethtool missing: bulk segments will be GSO-sized" >&2
ip netns exec $NS ip addr add 198.18.0.1/32 dev lo
# Let ports recycle quickly enough for N_CONN connections from one client address.
ip netns exec $NS sysctl -qw net.ipv4.ip_local_port_range="10000 60999" net.ipv4.tcp_tw_reuse=1
ip netns exec $NS tcpdump -i lo -s 128 -U -w "$OUT" tcp 2>/dev/null &
TD=$!
sleep 1
ip netns exec $NS python3 - "$N_CONN" "$N_BULK" "$BULK_MB" <<'PY'
import socket, sys, threading
n_conn, n_bulk, bulk_mb = map(int, sys.argv[1:])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('198.18.0.1', 8080)); srv.listen(512)
def serve():
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()
def handle(c):
    req = c.recv(64)
    if req.startswith(b'BULK'):
        chunk = b'x' * 65536
        for _ in range(bulk_mb * 16): c.sendall(chunk)
    else:
        c.sendall(b'HTTP/1.0 200 OK\r\n\r\nhello')
    c.close()
threading.Thread(target=serve, daemon=True).start()
def get(msg):
    s = socket.create_connection(('198.18.0.1', 8080))
    s.sendall(msg)
    while s.recv(65536): pass
    s.close()
for i in range(n_conn): get(b'GET / HTTP/1.0\r\n\r\n')
for i in range(n_bulk): get(b'BULK')
PY
sleep 1
kill $TD; wait $TD 2>/dev/null || true
capinfos -c -s "$OUT" 2>/dev/null || ls -la "$OUT"

/**
 * Every word the text output says, in English and Chinese. `zh` is typed as `Messages`, so a key
 * missing from either language fails to compile (and a test walks both at run time).
 *
 * RFC 9293 state names, flag names and the x/y/u/w of textbook figures stay as they are in both
 * languages: that is how Chinese textbooks print them too.
 */
import { esc, int } from './format.js';
import type { CheckId, CloseKind, OpenKind, SegmentFlag, FlagCounts, Side, TcpState, TransitionCode } from '../tcp/model.js';
import type { FindingTemplates, TimeWaitTupleData } from './findings.js';

/** Output languages. */
export type Lang = 'en' | 'zh';

/** Parameters of the per-connection sentences. */
interface Who {
  /** The side the sentence is about, already translated ("the client" / "客户端"). */
  by: string;
  /** The other side, translated. */
  other: string;
}

const en = {
  side: { client: 'client', server: 'server' } satisfies Record<Side, string>,
  /** "the client" as a sentence subject. */
  theSide: { client: 'the client', server: 'the server' } satisfies Record<Side, string>,
  col: { pkt: 'pkt', time: 'time' },
  stdin: 'standard input',

  inputLine: (p: { path: string; format: string; links: string; packets: string; segments: string; conns: number; shown?: number }) =>
    `${p.path} — ${p.format}${p.links ? ` · ${p.links}` : ''} · ${p.packets} ${p.packets === '1' ? 'packet' : 'packets'} · ${p.segments} TCP ${p.segments === '1' ? 'segment' : 'segments'} · ${int(p.conns)} ${p.conns === 1 ? 'connection' : 'connections'}${p.shown === undefined ? '' : `, ${int(p.shown)} shown`}`,
  noConnections: 'no TCP connections',
  streamLine: (p: { path: string; held: string }) =>
    `${p.path} — more than ${p.held} connections: each is printed once it has ended (its TIME-WAIT over, idle, or written early to bound memory), the rest at the end; the counts follow before the summary`,

  openKind: {
    'three-way': 'three-way handshake',
    simultaneous: 'simultaneous open',
    'fast-open': 'TCP Fast Open',
    refused: 'refused',
    unanswered: 'unanswered',
    incomplete: 'incomplete opening',
    'mid-stream': 'mid-stream (no opening captured)',
  } satisfies Record<OpenKind, string>,
  closeKind: {
    'four-way': 'four-way close',
    'three-segment': 'three-segment close',
    simultaneous: 'simultaneous close',
    reset: 'reset',
    'half-closed': 'half-closed',
    none: 'not closed',
  } satisfies Record<CloseKind, string>,
  closeFirst: (by: string) => `, ${by} first`,
  /** A reset whose RST came from the other side than the first FIN: both named. */
  resetAfterFin: (rst: string, fin: string) => `, by ${rst} after ${fin}’s FIN`,
  packetsIn: (n: string, d: string) => `${n} ${n === '1' ? 'packet' : 'packets'} in ${d}`,
  started: (iso: string) => `started ${iso}`,
  /** The tunnels a connection came through, outermost first (each already written by tunnelHopText). */
  via: (hops: string) => `via ${hops}`,
  ends: (client: string, server: string) => `at the end: client ${client}, server ${server}`,
  basisInferred: 'inferred',
  basisUnseen: 'unseen',
  endOfCapture: 'end of capture',
  /** Live capture: the first row of a connection's rest, printed apart from its opening. */
  openingAbove: 'opening printed above',
  notDrawn: '(on a segment not drawn)',

  fold: (p: { segments: number; segmentsText: string; bytes: string; retrans: number; range: string }) =>
    `${p.segmentsText} ${p.segments === 1 ? 'segment' : 'segments'} · ${p.bytes} bytes${p.retrans > 0 ? ` · ${p.retrans} retransmitted` : ''}${p.range ? ` · ${p.range}` : ''}`,
  foldNoData: 'no data',
  afterFin: (bytes: string, by: string, last: number) => `${bytes} bytes after ${by}’s FIN · until #${last}`,
  keepAlive: (probes: number, interval: string | null) => `keep-alive: ${probes} ${probes === 1 ? 'probe' : 'probes'}${interval ? `, every ${interval}` : ''}`,

  isn: (letter: string, value: string) => `ISN ${letter}=${value}`,
  cookie: (hex: string) => (hex === '' ? 'fast-open cookie request' : `fast-open cookie ${hex}`),

  analysis: {
    retransmission: 'retransmission',
    'out-of-order': 'out of order',
    'dup-ack': 'duplicate ACK',
    'keep-alive': 'keep-alive',
    'keep-alive-ack': 'keep-alive ACK',
    'zero-window': 'zero window',
    'window-probe': 'window probe',
    'previous-segment-not-captured': 'previous segment not captured',
    'acked-unseen-segment': 'ACKs a segment not captured',
    'spurious-retransmission': 'spurious retransmission',
    duplicate: 'duplicate frame (captured twice)',
    reordered: 'captured out of order (went first on the wire)',
    'rst-ignored': 'RST ignored by its receiver (not acceptable, no state change)',
    'rst-injected': 'RST injected: its sender went on with the connection',
    unexpected: 'unexpected segment for the state (no state change)',
  } satisfies Record<SegmentFlag, string>,

  check: {
    'synack-acks-isn': 'ack=x+1',
    'handshake-ack-acks-isn': 'ack=y+1',
    'syn-no-data': 'no data on SYN',
    'synack-no-data': 'no data on SYN-ACK',
    'syn-consumes-one': 'SYN counts 1',
    'fin-consumes-one': 'FIN counts 1',
    'fin-acked': 'FIN acknowledged',
    'time-wait-side': 'active closer in TIME-WAIT',
    'no-data-after-fin': 'no data after FIN',
    'rst-in-window': 'RST in window',
    'wscale-at-most-14': 'window scale ≤ 14',
  } satisfies Record<CheckId, string>,
  expectedGot: (e: string, a: string) => `expected ${e}, got ${a}`,
  /**
   * A failed check without both numbers, from its id (and what it expected, if anything); null: the
   * model's own message, which is English, is printed instead.
   */
  checkMissing: (_id: CheckId, _expected: string | null): string | null => null,
  /** The handshake's ack checks with the acknowledged amount from the check itself: "ack=x+101" (ISN + 1 + SYN data). */
  ackOfIsn: (letter: string, plus: string) => `ack=${letter}+${plus}`,
  /** The syn-no-data check when the SYN does carry data, legitimately (RFC 7413). */
  synDataFastOpen: 'data on SYN with a Fast Open cookie',
  checksElsewhere: 'checks on folded segments',
  passedElsewhere: (n: number) => `${int(n)} more ${n === 1 ? 'check' : 'checks'} passed on folded segments`,

  optionsOf: (side: string, list: string) => `${side}: ${list}`,
  optionsLabel: 'options',
  inUseLabel: 'in use',
  inUse: { ws: 'window scaling', sack: 'SACK', ts: 'timestamps' },
  rttLabel: 'handshake RTT',
  none: 'none',

  words: {
    simultaneousOpen: (client: string, server: string) =>
      `Simultaneous open: the two SYNs crossed; each side answered the other’s SYN, so both went SYN-SENT → SYN-RECEIVED → ESTABLISHED. Neither side listened: “client” here is the sender of the first SYN (${client}), “server” the other (${server}).`,
    fastOpen: (bytes: string, cookie: string) => `TCP Fast Open: the SYN carried ${bytes} bytes of data (${cookie}).`,
    cookieIssued: 'The client asked for a Fast Open cookie and the server sent one with its SYN-ACK, for later connections (RFC 7413 §4.1).',
    refused: (port: number) => `Refused: the server answered the SYN with RST; nothing accepted connections on port ${port}.`,
    unanswered: (count: number, times: string) =>
      `Unanswered: ${count} ${count === 1 ? 'SYN' : 'SYNs'} and no reply${times ? `; retransmitted at ${times}` : ''}.`,
    slowOpen: (times: string) => `The SYN was retransmitted at ${times} before the handshake went on.`,
    incomplete: 'Incomplete opening: only part of the handshake was captured.',
    midStream: (h: string) =>
      `Mid-stream: the opening was not captured; the states before the first segment are inferred${h ? ` (client chosen by: ${h})` : ''}.`,
    fourWay: (w: Who) => `Four-way close: ${w.by} sent the first FIN, ${w.other} acknowledged it and sent its own later.`,
    threeSegment: (w: Who) => `Three-segment close: ${w.other} acknowledged ${w.by}’s FIN and sent its own FIN in the same segment.`,
    simultaneousClose: 'Simultaneous close: the FINs crossed; both sides went FIN-WAIT-1 → CLOSING → TIME-WAIT.',
    reset: (w: Who, state: string, packet: number) => `Reset by ${w.by} in ${state} (packet #${packet}).`,
    resetBy: (w: Who) => `Reset by ${w.by}.`,
    halfClosed: (w: Who) => `Half-closed at the end of the capture: only ${w.by}’s FIN was seen; ${w.other} may still send.`,
    notClosed: 'Still open at the end of the capture.',
    dataAfterFin: (w: Who, bytes: string) => `Half-close in use: ${w.other} sent ${bytes} bytes after ${w.by}’s FIN.`,
    reused: (id: number) => `Port reuse: the same 4-tuple as connection #${id}, opened again with a new ISN.`,
    endCloseWait: (w: Who) => `The capture ended with ${w.by} in CLOSE-WAIT: its application had not closed the socket yet.`,
    endTimeWait: (w: Who, at: string, msl2: string, packet: number) =>
      `The capture ended with ${w.by} in TIME-WAIT; it expires at ${at} (2·MSL = ${msl2} after packet #${packet}).`,
    endState: (w: Who, state: string) => `The capture ended with ${w.by} in ${state}.`,
    basisInferred: (w: Who, state: string) => `${w.by}’s final state ${state} is inferred from ${w.other}’s segments; no later segment from ${w.by} shows it.`,
    basisUnseen: (w: Who, state: string) => `Nothing was captured from ${w.by}: ${state} is only the RFC default, not observed.`,
  },

  summary: {
    title: (path: string) => `Summary of ${path}`,
    connections: 'connections',
    opening: 'opening',
    closing: 'closing',
    finalStates: 'final states',
    basisLegend: '* inferred from the other side’s segments · ? never seen in the capture',
    zeek: 'zeek conn_state',
    checksFailed: 'failed checks',
    checksOf: (failed: number, total: number) => `${int(failed)} of ${int(total)}`,
    anomalies: 'anomalies',
    skipped: 'skipped frames',
    warnings: 'warnings',
    tableFull: 'flow table full',
    tableFullText: (cap: string, evicted: string, dropped: string) =>
      `more than ${cap} connections open at once (--max-connections): ${evicted} open connections were ended early to make room, the least recently active first: openings that never completed while they fill an eighth of the table (as a SYN flood does), else established connections (each record says so)` +
      (dropped === '0' ? '' : `; ${dropped} segments not tracked`),
    diagnostics: 'diagnostics',
    filtered: (shown: number, total: number) => `${int(shown)} of ${int(total)} connections selected`,
  },
  anomaly: {
    retransmissions: 'retransmissions',
    outOfOrder: 'out of order',
    dupAcks: 'duplicate ACKs',
    keepAlives: 'keep-alives',
    zeroWindows: 'zero windows',
    lostSegments: 'segments not captured',
    ackedUnseen: 'ACKs of unseen segments',
    duplicates: 'duplicate frames',
    reordered: 'captured out of order',
  } satisfies Record<keyof FlagCounts, string>,

  explainLabel: 'why',
  /** Reasons behind each step (RFC 9293 unless said otherwise). */
  explain: {
    synSeq:
      'A SYN consumes one sequence number, like one byte of data, so that it can be acknowledged and retransmitted like data: the peer acknowledges ISN+1. A FIN does the same at the end (RFC 9293 §3.4).',
    synNoData:
      'The SYN and SYN-ACK carry no data: before the handshake completes nothing proves the client’s address is real, and a server that accepted and processed data here would let a SYN flood from spoofed addresses cost it far more than a SYN does. TCP Fast Open (RFC 7413) allows data on the SYN only with a cookie the server issued earlier, which proves the address.',
    fastOpen:
      'TCP Fast Open (RFC 7413): the client presented a cookie the server gave it on an earlier connection; the cookie proves the client owns its address, so the server may hand the SYN’s data to the application before the handshake completes, saving one round trip.',
    thirdAck:
      'Why a third segment: the SYN-ACK only proves that the server heard a SYN. An old duplicate SYN, delayed in the network, looks exactly the same; the client’s ACK of y+1 confirms that this SYN is current (the client answers an old SYN-ACK with RST instead), so a stale SYN cannot open a connection. It also tells the server that its own ISN arrived (RFC 9293 §3.5). Two segments would not do: they would confirm only the client’s ISN (the SYN-ACK acknowledges x+1), and nothing would tell the server that the client received y. Unlike the SYN and the SYN-ACK, this third segment may already carry data: by then the client has proved its address.',
    simultaneousOpen:
      'Both sides sent a SYN before they received the other’s. Each answers the SYN it receives with SYN-ACK and goes to SYN-RECEIVED; the handshake takes four segments and there is no client or server in the RFC’s sense (RFC 9293 §3.5, Figure 7).',
    refused:
      'Nothing was listening on that port (or a firewall rejected the SYN): a SYN to a closed port is answered with RST+ACK acknowledging it, and the client’s connect() fails with ECONNREFUSED (RFC 9293 §3.5.2).',
    unanswered:
      'No reply at all: the SYN or its answer was dropped — a firewall that drops instead of rejecting, a host that is down, or a full SYN or accept queue. The client retransmits the SYN on its retransmission timer until it gives up (Linux: tcp_syn_retries), and connect() fails with ETIMEDOUT.',
    synGaps: (gaps: string, shape: 'linear' | 'exponential' | 'linear-then-exponential' | 'irregular' | null) =>
      `In this capture the SYN was retransmitted after ${gaps}${
        shape === 'exponential'
          ? ': each wait twice the one before, the timer’s back-off (RFC 6298 §5.5).'
          : shape === 'linear'
            ? ': evenly spaced, not doubling, as Linux does for its first retransmissions of a SYN (net.ipv4.tcp_syn_linear_timeouts) before it backs off.'
            : shape === 'linear-then-exponential'
              ? ': evenly spaced, then doubling: Linux’s tcp_syn_linear_timeouts, then the back-off of RFC 6298 §5.5.'
              : '.'
      }`,
    finSeq:
      'The FIN also consumes one sequence number, so its ACK is FIN seq + 1 (plus any data it carried): that is how the sender knows the FIN itself, not only the data before it, arrived (RFC 9293 §3.4).',
    fourWay:
      'Why closing takes four segments: each direction of a connection closes on its own. A FIN only says “I will send no more”; the peer acknowledges it at once, may keep sending (a half-close), and sends its own FIN when its application closes (RFC 9293 §3.6).',
    threeSegment:
      'Three segments instead of four: the passive side’s application closed its socket before the ACK of the first FIN went out, so the ACK travelled on its own FIN (delayed acknowledgment).',
    simultaneousClose:
      'Both sides sent a FIN before receiving the other’s: each goes FIN-WAIT-1 → CLOSING → TIME-WAIT, and both wait 2·MSL (RFC 9293 §3.6, Figure 13).',
    halfClose:
      'Data after a FIN is legal in the other direction: the FIN closed only its sender’s half (for example shutdown(SHUT_WR)); the receiver keeps sending until it closes too (RFC 9293 §3.6).',
    timeWait:
      'Why TIME-WAIT lasts 2·MSL (maximum segment lifetime): the last ACK may be lost, and then the peer retransmits its FIN; this side must still be there to acknowledge it again instead of answering with RST. And old duplicate segments of this connection must die out in the network before the same 4-tuple may carry a new connection, or they could be taken for its data (RFC 9293 §3.6.1; Linux waits 60 s).',
    closeWait:
      'CLOSE-WAIT means the peer closed its direction and this side’s application has not called close() yet. TCP never ends it by itself: it lasts until the application closes.',
    reset:
      'RST aborts the connection at once: no FIN exchange, no TIME-WAIT, data not yet read is discarded. It is sent when a segment arrives for no connection, on an abortive close (SO_LINGER with 0), or when a socket is closed with data still unread (RFC 9293 §3.5.2, RFC 2525 §2.17).',
    midStream:
      'The capture began after the opening: each side’s state before its first captured segment is inferred, and sequence numbers are counted from the first ones seen.',
    reused:
      'A new SYN on a 4-tuple whose previous connection had ended, with a new ISN, is a new connection, not a retransmission. It is allowed once the old TIME-WAIT has ended, or earlier when the new ISN lies beyond the old sequence space (RFC 9293 §3.6.1, RFC 6191).',
    keepAlive:
      'Keep-alive probes carry seq = next − 1 and zero or one byte, which the peer must answer with an ACK: they detect a dead peer and keep NAT and firewall state from expiring (RFC 9293 §3.8.4). The timer runs only when the application asks for it (SO_KEEPALIVE): the first probe after the connection was idle 2 hours by default (RFC 9293 says at least two hours; Linux tcp_keepalive_time 7200 s), then one every 75 s (tcp_keepalive_intvl); after 9 probes go unanswered (tcp_keepalive_probes) the connection is dropped and the application gets ETIMEDOUT. An application may set its own times per socket (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT).',
    pileTimeWait: (n: number) =>
      `${n} ${n === 1 ? 'connection ends' : 'connections end'} with an endpoint in TIME-WAIT. Many TIME-WAIT sockets on one host mean it actively closes many short connections; each holds its 4-tuple for 2·MSL, and a client can run out of ephemeral ports toward one server:port. Remedies: keep connections alive and reuse them, let the other side close first, widen the ephemeral port range (net.ipv4.ip_local_port_range), tcp_tw_reuse for outgoing connections.`,
    pileCloseWait: (n: number) =>
      `${n} ${n === 1 ? 'connection ends' : 'connections end'} with an endpoint in CLOSE-WAIT. Many CLOSE-WAIT sockets on one host mean its application does not close connections after the peer closed them: a file-descriptor leak (a missing close(), often on an error path). They do not go away by themselves.`,
  },

  /** Words of the pictures (--svg, --html): plain strings, so the page's script can carry them. */
  picture: {
    ladderTitle: 'ladder',
    time: 'pkt  time (s)',
    seqTitle: 'time-sequence graph',
    timeAxis: 'time since the first packet (s)',
    seqAxis: 'relative sequence number (bytes)',
    data: 'data segment',
    retransmission: 'retransmission',
    outOfOrder: 'out of order',
    probe: 'keep-alive or window probe',
    synFin: 'SYN / FIN',
    ack: 'ACK (peer’s cumulative acknowledgement)',
    window: 'receive window edge (ACK + window)',
    sack: 'SACK block',
    opening: 'opening',
    established: 'established',
    closing: 'closing',
    timeWait: 'TIME-WAIT',
    unscaled: 'window scaling not seen: raw window values',
    windowAbove: 'the receive window edge goes above the graph (up to {n})',
    capped: 'only the first {n} of {total} segments are drawn',
    rtt: 'RTT',
    rttTs: 'RTT (timestamps)',
    bytes: 'bytes',
    unique: 'unique',
    retransmitted: 'retransmitted',
    goodput: 'goodput',
    zeroWindow: 'zero window',
    samples: 'samples',
    noSegments: 'no segment kept for this connection',
    summary: 'Summary',
    connections: 'Connections',
    filter: 'filter',
    filterHint: 'words or column:value, e.g. state:TIME-WAIT zeek:REJ retrans:>0',
    shown: '{shown} of {total} connections',
    col: {
      id: '#',
      client: 'client',
      server: 'server',
      clientState: 'client at end',
      serverState: 'server at end',
      open: 'opening',
      close: 'closing',
      rtt: 'RTT ms',
      bytes: 'bytes',
      retrans: 'retransmitted',
      zeek: 'zeek',
    },
    limit: 'Pictures of each connection are drawn when opened, from data stored compressed in this page; a connection keeps at most {n} segments here.',
  },

  /** RFC 9293 state-diagram arcs, for the explanation of each transition. */
  transition: {
    'CLOSED>SYN-SENT': 'active open: sent SYN',
    'LISTEN>SYN-RECEIVED': 'received SYN, sent SYN-ACK',
    'CLOSED>SYN-RECEIVED': 'received SYN, sent SYN-ACK',
    'SYN-SENT>SYN-RECEIVED': 'received a SYN while its own SYN was unanswered (simultaneous open)',
    'SYN-SENT>ESTABLISHED': 'received SYN-ACK acknowledging its SYN, sent ACK',
    'SYN-SENT>CLOSED': 'the opening failed: RST received, or it gave up',
    'SYN-RECEIVED>ESTABLISHED': 'received the ACK of its SYN',
    'SYN-RECEIVED>LISTEN': 'received RST: back to listening',
    'SYN-RECEIVED>CLOSED': 'received or sent RST during the opening',
    'SYN-RECEIVED>FIN-WAIT-1': 'closed before the handshake completed: sent FIN',
    'ESTABLISHED>FIN-WAIT-1': 'its application closed: sent FIN',
    'ESTABLISHED>CLOSE-WAIT': 'received FIN: the peer will send no more',
    'ESTABLISHED>CLOSED': 'RST: the connection was aborted',
    'FIN-WAIT-1>FIN-WAIT-2': 'its FIN was acknowledged',
    'FIN-WAIT-1>CLOSING': 'received the peer’s FIN before the ACK of its own (simultaneous close)',
    'FIN-WAIT-1>TIME-WAIT': 'received the peer’s FIN together with the ACK of its own',
    'FIN-WAIT-2>TIME-WAIT': 'received the peer’s FIN, sent its ACK',
    'CLOSING>TIME-WAIT': 'its FIN was acknowledged',
    'CLOSE-WAIT>LAST-ACK': 'its application closed: sent FIN',
    'LAST-ACK>CLOSED': 'its FIN was acknowledged: the connection is gone',
    'TIME-WAIT>CLOSED': '2·MSL passed',
  },
  /** A state change with its reason: "client ESTABLISHED → FIN-WAIT-1: its application closed". */
  transitionLine: (side: string, from: string, to: string, why: string | null) => `${side} ${from} → ${to}${why ? `: ${why}` : ''}`,
  /** A transition the diagram's arc does not explain, by its code (Transition.code). */
  transitionCode: {
    'time-wait-reused': 'TIME-WAIT ended early: a new SYN reused the 4-tuple, which ends the old connection (RFC 9293 §3.10.7.4, RFC 6191)',
  } satisfies Record<TransitionCode, string>,
};

/** The shape every language implements. */
export type Messages = typeof en;

const zh: Messages = {
  side: { client: '客户端', server: '服务器' },
  theSide: { client: '客户端', server: '服务器' },
  col: { pkt: '包', time: '时间' },
  stdin: '标准输入',

  inputLine: (p) =>
    `${p.path} — ${p.format}${p.links ? ` · ${p.links}` : ''} · ${p.packets} 个包 · ${p.segments} 个 TCP 报文段 · ${int(p.conns)} 条连接${p.shown === undefined ? '' : `，显示 ${int(p.shown)} 条`}`,
  noConnections: '没有 TCP 连接',
  streamLine: (p) =>
    `${p.path} — 连接超过 ${p.held} 条：每条连接在结束后（TIME-WAIT 结束、空闲超时，或为限制内存而提前写出）立即打印，其余在最后打印；各项计数在汇总之前给出`,

  openKind: {
    'three-way': '三次握手',
    simultaneous: '同时打开',
    'fast-open': 'TCP 快速打开',
    refused: '被拒绝',
    unanswered: '无应答',
    incomplete: '不完整的打开',
    'mid-stream': '中途开始（未捕获到打开过程）',
  },
  closeKind: {
    'four-way': '四次挥手',
    'three-segment': '三段关闭',
    simultaneous: '同时关闭',
    reset: '被重置',
    'half-closed': '半关闭',
    none: '未关闭',
  },
  closeFirst: (by) => `，${by}先关闭`,
  resetAfterFin: (rst, fin) => `，${fin}先发 FIN，${rst}发送 RST`,
  packetsIn: (n, d) => `${n} 个包，历时 ${d}`,
  started: (iso) => `开始于 ${iso}`,
  via: (hops) => `经由隧道 ${hops}`,
  ends: (client, server) => `捕获结束时：客户端 ${client}，服务器 ${server}`,
  basisInferred: '推断',
  basisUnseen: '未见',
  endOfCapture: '捕获结束',
  openingAbove: '打开过程见上文',
  notDrawn: '（发生在未画出的报文段上）',

  fold: (p) => `${p.segmentsText} 个报文段 · ${p.bytes} 字节${p.retrans > 0 ? ` · ${p.retrans} 次重传` : ''}${p.range ? ` · ${p.range}` : ''}`,
  foldNoData: '没有数据',
  afterFin: (bytes, by, last) => `${by}的 FIN 之后的 ${bytes} 字节 · 直到 #${last}`,
  keepAlive: (probes, interval) => `保活：${probes} 个探测${interval ? `，每 ${interval} 一次` : ''}`,

  isn: (letter, value) => `ISN ${letter}=${value}`,
  cookie: (hex) => (hex === '' ? '快速打开 cookie 请求' : `快速打开 cookie ${hex}`),

  analysis: {
    retransmission: '重传',
    'out-of-order': '乱序',
    'dup-ack': '重复 ACK',
    'keep-alive': '保活',
    'keep-alive-ack': '保活 ACK',
    'zero-window': '零窗口',
    'window-probe': '窗口探测',
    'previous-segment-not-captured': '前一个报文段未捕获',
    'acked-unseen-segment': '确认了未捕获的报文段',
    'spurious-retransmission': '虚假重传',
    duplicate: '重复帧（同一帧被捕获两次）',
    reordered: '捕获顺序颠倒（在线路上先发送）',
    'rst-ignored': 'RST 被接收方忽略（不可接受，状态不变）',
    'rst-injected': '注入的 RST：发送方此后仍在继续这条连接',
    unexpected: '该状态下不应出现的报文段（状态不变）',
  },

  check: {
    'synack-acks-isn': 'ack=x+1',
    'handshake-ack-acks-isn': 'ack=y+1',
    'syn-no-data': 'SYN 不带数据',
    'synack-no-data': 'SYN-ACK 不带数据',
    'syn-consumes-one': 'SYN 占一个序号',
    'fin-consumes-one': 'FIN 占一个序号',
    'fin-acked': 'FIN 已被确认',
    'time-wait-side': '主动关闭方进入 TIME-WAIT',
    'no-data-after-fin': 'FIN 之后无新数据',
    'rst-in-window': 'RST 在窗口内',
    'wscale-at-most-14': '窗口缩放 ≤ 14',
  },
  expectedGot: (e, a) => `应为 ${e}，实为 ${a}`,
  checkMissing: (id, expected) =>
    id === 'time-wait-side'
      ? '进入 TIME-WAIT 的不是先关闭的一方（RFC 9293 §3.6）'
      : id === 'rst-in-window'
        ? `RST 不带 ACK，没有确认 SYN（应为 ${expected ?? '—'}），被忽略（RFC 9293 §3.10.7.3）`
        : expected === null
          ? '未通过'
          : `应为 ${expected}，实际没有`,
  ackOfIsn: (letter, plus) => `ack=${letter}+${plus}`,
  synDataFastOpen: 'SYN 携带数据并带有快速打开 cookie',
  checksElsewhere: '折叠的报文段上的检查',
  passedElsewhere: (n) => `折叠的报文段上另有 ${n} 项检查通过`,

  optionsOf: (side, list) => `${side}：${list}`,
  optionsLabel: '选项',
  inUseLabel: '启用',
  inUse: { ws: '窗口缩放', sack: 'SACK', ts: '时间戳' },
  rttLabel: '握手 RTT',
  none: '无',

  words: {
    simultaneousOpen: (client, server) =>
      `同时打开：两个 SYN 在途中交错；双方各自应答对方的 SYN，都经历了 SYN-SENT → SYN-RECEIVED → ESTABLISHED。双方都没有监听：这里的“客户端”是先发 SYN 的一方（${client}），“服务器”是另一方（${server}）。`,
    fastOpen: (bytes, cookie) => `TCP 快速打开：SYN 携带了 ${bytes} 字节数据（${cookie}）。`,
    cookieIssued: '客户端请求了快速打开 cookie，服务器在 SYN-ACK 中发给了它，供以后的连接使用（RFC 7413 §4.1）。',
    refused: (port) => `被拒绝：服务器用 RST 回应了 SYN；端口 ${port} 上没有程序接受连接。`,
    unanswered: (count, times) => `无应答：发出 ${count} 个 SYN，没有任何回应${times ? `；重传时刻 ${times}` : ''}。`,
    slowOpen: (times) => `握手继续之前，SYN 在 ${times} 重传过。`,
    incomplete: '不完整的打开：只捕获到握手的一部分。',
    midStream: (h) => `中途开始：没有捕获到打开过程；第一个报文段之前的状态是推断的${h ? `（客户端的判定依据：${h}）` : ''}。`,
    fourWay: (w) => `四次挥手：${w.by}先发送 FIN，${w.other}确认后稍后发送自己的 FIN。`,
    threeSegment: (w) => `三段关闭：${w.other}在同一个报文段中确认了${w.by}的 FIN 并发送了自己的 FIN。`,
    simultaneousClose: '同时关闭：两个 FIN 在途中交错；双方都经历了 FIN-WAIT-1 → CLOSING → TIME-WAIT。',
    reset: (w, state, packet) => `${w.by}在 ${state} 状态下发送 RST 重置了连接（第 ${packet} 个包）。`,
    resetBy: (w) => `${w.by}发送 RST 重置了连接。`,
    halfClosed: (w) => `捕获结束时处于半关闭：只看到${w.by}的 FIN；${w.other}仍可发送数据。`,
    notClosed: '捕获结束时连接仍未关闭。',
    dataAfterFin: (w, bytes) => `使用了半关闭：${w.other}在${w.by}的 FIN 之后又发送了 ${bytes} 字节。`,
    reused: (id) => `端口复用：与第 ${id} 号连接相同的四元组，以新的 ISN 再次打开。`,
    endCloseWait: (w) => `捕获结束时${w.by}处于 CLOSE-WAIT：它的应用程序还没有关闭套接字。`,
    endTimeWait: (w, at, msl2, packet) => `捕获结束时${w.by}处于 TIME-WAIT；将在 ${at} 到期（第 ${packet} 个包之后 2·MSL = ${msl2}）。`,
    endState: (w, state) => `捕获结束时${w.by}处于 ${state}。`,
    basisInferred: (w, state) => `${w.by}的最终状态 ${state} 是根据${w.other}的报文推断的；之后没有来自${w.by}的报文可以证实。`,
    basisUnseen: (w, state) => `没有捕获到来自${w.by}的任何报文：${state} 只是 RFC 的默认状态，并非观察所得。`,
  },

  summary: {
    title: (path) => `${path} 汇总`,
    connections: '连接数',
    opening: '打开方式',
    closing: '关闭方式',
    finalStates: '最终状态',
    basisLegend: '* 由对端的报文段推断 · ? 捕获中从未出现',
    zeek: 'zeek conn_state',
    checksFailed: '失败的检查',
    checksOf: (failed, total) => `${int(failed)} / ${int(total)}`,
    anomalies: '异常',
    skipped: '跳过的帧',
    warnings: '警告',
    tableFull: '连接表已满',
    tableFullText: (cap, evicted, dropped) =>
      `同时打开的连接超过 ${cap} 条（--max-connections）：为腾出空间，提前结束了 ${evicted} 条仍打开的连接，最久未活动的先结束：未完成的打开占连接表八分之一以上时（SYN 洪泛正是如此）先结束它们，否则结束已建立的连接（每条记录都注明了这一点）` +
      (dropped === '0' ? '' : `；${dropped} 个报文段未被跟踪`),
    diagnostics: '诊断',
    filtered: (shown, total) => `已选 ${int(shown)} / ${int(total)} 条连接`,
  },
  anomaly: {
    retransmissions: '重传',
    outOfOrder: '乱序',
    dupAcks: '重复 ACK',
    keepAlives: '保活',
    zeroWindows: '零窗口',
    lostSegments: '未捕获的报文段',
    ackedUnseen: '确认了未见的报文段',
    duplicates: '重复帧',
    reordered: '捕获顺序颠倒',
  },

  explainLabel: '原因',
  explain: {
    synSeq: 'SYN 像一个字节的数据一样占用一个序号，这样它就能像数据一样被确认和重传：对方确认的是 ISN+1。连接结束时 FIN 也是如此（RFC 9293 §3.4）。',
    synNoData:
      'SYN 和 SYN-ACK 不携带数据：握手完成之前，没有任何东西能证明客户端的地址是真实的；如果服务器此时就接受并处理数据，伪造源地址的 SYN 洪泛给它造成的代价就远不止一个 SYN。TCP 快速打开（RFC 7413）只允许带有服务器先前发放的 cookie 的 SYN 携带数据，cookie 证明了地址的真实性。',
    fastOpen:
      'TCP 快速打开（RFC 7413）：客户端出示了服务器在之前的连接中发给它的 cookie；cookie 证明客户端确实拥有该地址，因此服务器可以在握手完成之前就把 SYN 上的数据交给应用，节省一个往返时间。',
    thirdAck:
      '为什么需要第三个报文：SYN-ACK 只能证明服务器收到了某个 SYN。在网络中滞留的旧的重复 SYN 看起来完全一样；客户端以 ack=y+1 确认，表明这个 SYN 是当前的（对旧的 SYN-ACK 客户端会回应 RST），因此过期的 SYN 无法建立连接。它同时告诉服务器，自己的 ISN 已经送达（RFC 9293 §3.5）。只有两个报文是不够的：它们只能确认客户端的 ISN（SYN-ACK 确认 x+1），没有任何报文告诉服务器客户端收到了 y。与 SYN 和 SYN-ACK 不同，第三个报文已经可以携带数据：此时客户端已经证明了自己的地址。',
    simultaneousOpen:
      '双方都在收到对方的 SYN 之前发出了自己的 SYN。各自用 SYN-ACK 回应收到的 SYN 并进入 SYN-RECEIVED；握手共四个报文，RFC 意义上没有客户端和服务器之分（RFC 9293 §3.5，图 7）。',
    refused:
      '该端口上没有程序在监听（或者防火墙拒绝了 SYN）：发往关闭端口的 SYN 会收到确认它的 RST+ACK，客户端的 connect() 以 ECONNREFUSED 失败（RFC 9293 §3.5.2）。',
    unanswered:
      '完全没有回应：SYN 或它的应答被丢弃了——防火墙丢弃而非拒绝、主机已宕机，或 SYN 队列、accept 队列已满。客户端按重传定时器重传 SYN，直到放弃（Linux：tcp_syn_retries），connect() 以 ETIMEDOUT 失败。',
    synGaps: (gaps, shape) =>
      `本次捕获中 SYN 的重传间隔为 ${gaps}${
        shape === 'exponential'
          ? '：每次等待是上一次的两倍，即定时器的退避（RFC 6298 §5.5）。'
          : shape === 'linear'
            ? '：间隔相等、没有加倍，Linux 对 SYN 的前几次重传就是这样（net.ipv4.tcp_syn_linear_timeouts），之后才退避。'
            : shape === 'linear-then-exponential'
              ? '：先等间隔、后加倍：Linux 的 tcp_syn_linear_timeouts，之后按 RFC 6298 §5.5 退避。'
              : '。'
      }`,
    finSeq:
      'FIN 同样占用一个序号，所以对它的确认号是 FIN 的 seq + 1（再加上它携带的数据长度）：发送方由此得知 FIN 本身，而不只是它之前的数据，已经送达（RFC 9293 §3.4）。',
    fourWay:
      '为什么关闭需要四个报文：连接的两个方向各自独立关闭。FIN 只表示“我不再发送数据”；对方立即确认，仍可继续发送（半关闭），直到它的应用关闭时才发送自己的 FIN（RFC 9293 §3.6）。',
    threeSegment: '三个报文而不是四个：被动关闭方的应用在第一个 FIN 的 ACK 发出之前就关闭了套接字，于是这个 ACK 搭载在它自己的 FIN 上一起发出（延迟确认）。',
    simultaneousClose:
      '双方都在收到对方的 FIN 之前发出了自己的 FIN：各自经历 FIN-WAIT-1 → CLOSING → TIME-WAIT，并且双方都要等待 2·MSL（RFC 9293 §3.6，图 13）。',
    halfClose: 'FIN 之后另一个方向上的数据是合法的：FIN 只关闭了发送方这一半（例如 shutdown(SHUT_WR)）；接收方可以继续发送，直到它也关闭（RFC 9293 §3.6）。',
    timeWait:
      '为什么 TIME-WAIT 要等待 2·MSL（报文段最大生存时间）：最后一个 ACK 可能丢失，此时对方会重传 FIN，这一端必须仍然存在才能再次确认，而不是回应 RST。此外，这条连接的旧的重复报文必须在网络中消亡，同一个四元组才能承载新的连接，否则它们可能被当作新连接的数据（RFC 9293 §3.6.1；Linux 等待 60 秒）。',
    closeWait: 'CLOSE-WAIT 表示对方已经关闭了它的方向，而这一端的应用还没有调用 close()。TCP 自己不会结束这个状态：它会一直持续到应用关闭为止。',
    reset:
      'RST 立即中止连接：没有 FIN 交换，没有 TIME-WAIT，尚未读取的数据被丢弃。当报文段到达时没有对应的连接、应用以 SO_LINGER 为 0 异常关闭，或关闭套接字时仍有未读数据，都会发送 RST（RFC 9293 §3.5.2，RFC 2525 §2.17）。',
    midStream: '捕获开始于连接打开之后：每一端在其第一个被捕获的报文段之前的状态是推断的，序号从最先看到的序号开始计算。',
    reused:
      '在先前连接已结束的四元组上出现带新 ISN 的 SYN，这是一条新连接，而不是重传。旧连接的 TIME-WAIT 结束后允许这样做；如果新的 ISN 位于旧的序号空间之后，也可以更早（RFC 9293 §3.6.1，RFC 6191）。',
    keepAlive:
      '保活探测的 seq = 下一个序号 − 1，携带零或一个字节，对方必须以 ACK 回应：用来发现已失效的对端，并防止 NAT 和防火墙的状态过期（RFC 9293 §3.8.4）。只有应用请求时（SO_KEEPALIVE）定时器才会运行：默认在连接空闲 2 小时后发出第一个探测（RFC 9293 要求至少两小时；Linux 的 tcp_keepalive_time 为 7200 秒），之后每 75 秒一个（tcp_keepalive_intvl）；连续 9 个探测无应答（tcp_keepalive_probes）后连接被断开，应用得到 ETIMEDOUT。应用可以为每个套接字设置自己的时间（TCP_KEEPIDLE、TCP_KEEPINTVL、TCP_KEEPCNT）。',
    pileTimeWait: (n) =>
      `${n} 条连接结束时有一端处于 TIME-WAIT。一台主机上大量的 TIME-WAIT 套接字说明它主动关闭了许多短连接；每个都要占用它的四元组 2·MSL，客户端可能因此耗尽连向同一 服务器:端口 的临时端口。对策：保持连接并复用、让对方先关闭、扩大临时端口范围（net.ipv4.ip_local_port_range）、对外发连接启用 tcp_tw_reuse。`,
    pileCloseWait: (n) =>
      `${n} 条连接结束时有一端处于 CLOSE-WAIT。一台主机上大量的 CLOSE-WAIT 套接字说明它的应用在对方关闭连接后没有关闭：文件描述符泄漏（缺少 close()，常见于错误处理路径）。它们不会自行消失。`,
  },

  picture: {
    ladderTitle: '时序图',
    time: '包   时间（秒）',
    seqTitle: '时间-序列号图',
    timeAxis: '自第一个包起的时间（秒）',
    seqAxis: '相对序列号（字节）',
    data: '数据报文段',
    retransmission: '重传',
    outOfOrder: '乱序',
    probe: '保活或窗口探测',
    synFin: 'SYN / FIN',
    ack: 'ACK（对端的累计确认）',
    window: '接收窗口右沿（ACK + 窗口）',
    sack: 'SACK 块',
    opening: '建立中',
    established: '已建立',
    closing: '关闭中',
    timeWait: 'TIME-WAIT',
    unscaled: '未见窗口缩放选项：窗口为原始值',
    windowAbove: '接收窗口右沿超出图的上沿（最高 {n}）',
    capped: '只画出了 {total} 个报文段中的前 {n} 个',
    rtt: 'RTT',
    rttTs: 'RTT（时间戳）',
    bytes: '字节',
    unique: '首次发送',
    retransmitted: '重传',
    goodput: '有效吞吐',
    zeroWindow: '零窗口',
    samples: '样本',
    noSegments: '这条连接没有保留报文段',
    summary: '摘要',
    connections: '连接',
    filter: '筛选',
    filterHint: '词语或 列:值，例如 state:TIME-WAIT zeek:REJ retrans:>0',
    shown: '显示 {shown} / {total} 条连接',
    col: {
      id: '#',
      client: '客户端',
      server: '服务器',
      clientState: '客户端最终状态',
      serverState: '服务器最终状态',
      open: '打开',
      close: '关闭',
      rtt: 'RTT 毫秒',
      bytes: '字节',
      retrans: '重传',
      zeek: 'zeek',
    },
    limit: '每条连接的图在打开时才绘制，数据以压缩形式存于本页；每条连接在此最多保留 {n} 个报文段。',
  },

  transition: {
    'CLOSED>SYN-SENT': '主动打开：发送 SYN',
    'LISTEN>SYN-RECEIVED': '收到 SYN，发送 SYN-ACK',
    'CLOSED>SYN-RECEIVED': '收到 SYN，发送 SYN-ACK',
    'SYN-SENT>SYN-RECEIVED': '自己的 SYN 未获应答时收到了对方的 SYN（同时打开）',
    'SYN-SENT>ESTABLISHED': '收到确认自己 SYN 的 SYN-ACK，发送 ACK',
    'SYN-SENT>CLOSED': '打开失败：收到 RST，或者放弃了',
    'SYN-RECEIVED>ESTABLISHED': '收到对自己 SYN 的确认',
    'SYN-RECEIVED>LISTEN': '收到 RST：回到监听状态',
    'SYN-RECEIVED>CLOSED': '打开过程中收到或发送了 RST',
    'SYN-RECEIVED>FIN-WAIT-1': '握手完成前关闭：发送 FIN',
    'ESTABLISHED>FIN-WAIT-1': '应用关闭：发送 FIN',
    'ESTABLISHED>CLOSE-WAIT': '收到 FIN：对方不再发送数据',
    'ESTABLISHED>CLOSED': 'RST：连接被中止',
    'FIN-WAIT-1>FIN-WAIT-2': '自己的 FIN 已被确认',
    'FIN-WAIT-1>CLOSING': '在自己的 FIN 被确认之前收到对方的 FIN（同时关闭）',
    'FIN-WAIT-1>TIME-WAIT': '收到对方的 FIN，同时确认了自己的 FIN',
    'FIN-WAIT-2>TIME-WAIT': '收到对方的 FIN，发送 ACK',
    'CLOSING>TIME-WAIT': '自己的 FIN 已被确认',
    'CLOSE-WAIT>LAST-ACK': '应用关闭：发送 FIN',
    'LAST-ACK>CLOSED': '自己的 FIN 已被确认：连接结束',
    'TIME-WAIT>CLOSED': '2·MSL 已过',
  },
  transitionLine: (side, from, to, why) => `${side} ${from} → ${to}${why ? `：${why}` : ''}`,
  transitionCode: {
    'time-wait-reused': 'TIME-WAIT 提前结束：新的 SYN 复用了该四元组，旧连接随之结束（RFC 9293 §3.10.7.4，RFC 6191）',
  },
};

/** Remedies of a TIME-WAIT finding, by which host holds the sockets. */
const zhTimeWaitRemedies = (holder: Side) =>
  holder === 'server'
    ? '对策：让客户端先关闭，保持连接或使用连接池；net.ipv4.tcp_max_tw_buckets 限制其数量；tcp_tw_reuse 对服务器不起作用，SO_REUSEADDR 也不能释放处于 TIME-WAIT 的四元组。'
    : '对策：保持连接或使用连接池，不要每个请求新建一条连接；扩大 net.ipv4.ip_local_port_range，或设置 net.ipv4.tcp_tw_reuse=1（适用于带 TCP 时间戳的外发连接，RFC 7323）；SO_REUSEADDR 对 connect() 没有帮助。';
const zhHolder = (t: TimeWaitTupleData) => (t.holder === 'server' ? `服务器 ${t.serverIp} 上` : `客户端 ${t.clientIp} 上`);
const zhObserved = (t: TimeWaitTupleData) =>
  `${zhHolder(t)}同时有 ${t.peak} 个四元组处于 TIME-WAIT（占 ${t.rangeSize} 个端口的范围 ${t.range[0]}-${t.range[1]} 的 ${t.pct}，于 ${t.at}）`;
/** TIME-WAIT held by the server: sockets on the server, no ports of the client. */
const zhServerHeld = (t: TimeWaitTupleData) =>
  `服务器 ${t.server} 上同时有 ${t.peak} 个来自 ${t.clientIp} 的四元组处于 TIME-WAIT（相当于客户端 ${t.rangeSize} 个端口的范围 ${t.range[0]}-${t.range[1]} 的 ${t.pct}，于 ${t.at}）：服务器先关闭，所以由它承担 TIME-WAIT；这消耗的是服务器上的套接字和内存，而不是客户端的端口：不会耗尽端口，因为客户端一侧已经关闭，而落在 TIME-WAIT 四元组上的新 SYN 会被接受（Linux tcp_timewait_state_process，在其 ISN 或时间戳更大时；RFC 6191），所以 connect() 不会失败。${zhTimeWaitRemedies('server')}`;

/**
 * The diagnostics' findings in each language, built from their data (report/findings.ts). English
 * has none: diagnose/ writes its findings in English, and that sentence is printed as it is.
 */
export const FINDING_TEXT: Record<Lang, FindingTemplates> = {
  en: {},
  zh: {
    'time-wait-exhaustion': (t) =>
      `${t.exhausted ? `从 ${t.clientIp} 到 ${t.server} 的 connect() 耗尽了临时端口（EADDRNOTAVAIL）` : `${t.clientIp} 连向 ${t.server} 的临时端口即将耗尽（全部处于 TIME-WAIT 时 connect() 以 EADDRNOTAVAIL 失败）`}：${zhObserved(t)}。${zhTimeWaitRemedies(t.holder)}`,
    'time-wait-pressure': (t) =>
      t.holder === 'server' && t.projection === null
        ? zhServerHeld(t)
        : t.projection === null
          ? `${zhObserved(t)}。${zhTimeWaitRemedies(t.holder)}`
          : `按观察到的每秒 ${t.projection.rate} 次关闭，稳定状态下${zhHolder(t)}的 TIME-WAIT 将占用约 ${t.projection.ports} 个端口（速率 × 2·MSL；占 ${t.rangeSize} 个端口的范围 ${t.range[0]}-${t.range[1]} 的 ${t.projection.pct}）；观察到的峰值为 ${t.peak}。${zhTimeWaitRemedies(t.holder)}`,
    'time-wait-server-close': (d) =>
      `服务器 ${d.ip} 在 ${d.closes} 条已关闭的连接中先关闭了 ${d.serverFirst} 条，因此由它承担这些连接的 TIME-WAIT（进入 ${d.entered} 次，峰值 ${d.peak}，于 ${d.at}，每个持续 2·MSL = ${d.msl2}）。对策：让客户端先关闭（TIME-WAIT 便留在客户端自己的端口上），保持连接或使用连接池；SO_REUSEADDR 只能让重启的监听程序绑定它的端口，tcp_tw_reuse 只适用于外发连接。`,
    'close-wait-leak': (d) => {
      // A space between Latin and Chinese text, none after a full-width bracket.
      const who = d.side === 'server' ? `${d.service} ` : `${d.ip}（${d.service} 的客户端）`;
      const how = d.longest === null ? '' : `（最长的一条停留了 ${d.longest}，直到捕获结束）`;
      return d.leak
        ? `${who}有 ${d.connections} 条连接停留在 CLOSE-WAIT${how}：对方已经关闭，而应用程序始终没有对套接字调用 close()，这是描述符泄漏。应在 read() 返回 0（EOF）时关闭套接字，错误处理路径上也一样。`
        : `${who}有 ${d.connections} 条连接处于 CLOSE-WAIT${how}：对方在捕获结束前不久才关闭；只有一直停留在这个状态才算泄漏。`;
    },
    'unanswered-syn': (d) => {
      const why =
        d.backoff === 'exponential'
          ? '定时器加倍，RFC 6298 §5.5'
          : d.backoff === 'linear'
            ? '间隔相等，与 Linux 的 net.ipv4.tcp_syn_linear_timeouts 一致'
            : d.backoff === 'linear-then-exponential'
              ? '先等间隔、后加倍：Linux 的 tcp_syn_linear_timeouts，之后按 RFC 6298 §5.5'
              : '重传定时器';
      const backoff = d.gaps.length === 0 ? '捕获期间没有重传 SYN' : `SYN 的重传间隔为 ${d.gaps.join('、')}（${why}）`;
      return `来自 ${d.clients} 个客户端、发往 ${d.server} 的 ${d.connections} 次连接尝试没有得到任何应答；${backoff}：可能是防火墙丢弃了 SYN、监听队列已满，或主机已宕机。${zhEvicted(d.evicted)}`;
    },
    refused: (d) =>
      `${d.server} 拒绝了来自 ${d.clients} 个客户端的 ${d.connections} 条连接（以 RST 回应 SYN，RFC 9293 §3.5.2）：该端口上没有程序在监听，或者防火墙以重置拒绝。`,
    'syn-flood': (d) => {
      const h = d.halfOpen;
      const u = d.unanswered;
      const answered = h === null ? '' : `有来自 ${h.clients} 个地址的 ${h.connections} 条半开连接（占它的打开次数的 ${h.pct}）：SYN-ACK 始终没有被确认`;
      const unanswered =
        u === null
          ? ''
          : `收到来自 ${u.clients} 个地址的 ${u.connections} 次连接尝试，均未得到应答，其中 ${u.singleSyn} 次只发了一个 SYN、从未重传（真实的客户端在 1 秒的初始 RTO 之后会重传，RFC 6298；伪造的源地址从不重传）`;
      const what = u === null ? answered : h === null ? unanswered : `${unanswered}；并且${answered}`;
      return `${d.server} ${what}，这是 SYN 洪泛的特征（RFC 4987）。${zhEvicted(d.evicted)}请保持 net.ipv4.tcp_syncookies 开启，并在上游过滤这些来源。`;
    },
    'half-open': (d) => `${d.server} 有 ${d.connections} 条半开连接（已发送 SYN-ACK，未见最后的 ACK；占它的打开次数的 ${d.pct}）。${zhEvicted(d.evicted)}`,
    'keep-alive': (d) => {
      const every = d.every === null ? '' : d.every.length === 1 ? `，每 ${d.every[0]} 一次` : `，每 ${d.every[0]} 到 ${d.every[1]} 一次`;
      return `${d.connections} 条连往 ${d.server} 的连接靠保活探测维持（共 ${d.probes} 个探测${every}）。`;
    },
  },
};

/** What a full flow table's evictions did to a group of openings ('' when nothing). */
function zhEvicted(evicted: number): string {
  return evicted === 0
    ? ''
    : `其中 ${evicted} 条连接因连接表已满（--max-connections）被提前逐出以腾出空间（未完成的打开占连接表八分之一以上时先逐出它们，已建立的连接则保留）。`;
}

/** All languages, for tests that walk every key. */
export const MESSAGES: Record<Lang, Messages> = { en, zh };

/** The messages of one language. */
export function messages(lang: Lang): Messages {
  return MESSAGES[lang];
}

/** How an input is named in text: its path, escaped, or "standard input" for `-`. */
export function inputName(path: string, m: Messages): string {
  return path === '-' ? m.stdin : esc(path);
}

/** The explanation of a state change in `lang`, or null when the arc is not in the table. */
export function transitionText(m: Messages, from: TcpState, to: TcpState): string | null {
  const key = `${from}>${to}` as keyof Messages['transition'];
  return m.transition[key] ?? null;
}

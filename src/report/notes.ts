/**
 * The words of the model's notes (tcp/notes.ts: a code and its numbers), in every language. The
 * English wording is also the `notes` text of `--json` (report/json.ts), kept as it was before the
 * notes became codes, so that field did not change.
 */
import { RST_NOTE, type Side } from '../tcp/model.js';
import type { NoteCode, NoteOf, Note } from '../tcp/notes.js';
import { step } from '../tcp/table.js';
import type { Lang } from './messages.js';

type NoteTemplates = { [C in NoteCode]: (n: NoteOf<C>) => string };

const peer = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** The table's reason why `state` cannot send or receive the event (an unexpected segment). */
function cellWhy(n: NoteOf<'unexpected-segment'>): string {
  return n.dir === 'sent' ? step(n.state, 'sent', n.event as never).why : step(n.state, 'received', n.event as never).why;
}

/** Why a receiver did not accept an RST, in English. */
function judgedEn(n: NoteOf<'rst-ignored'>): string {
  switch (n.judged) {
    case RST_NOTE.noAck:
      return 'in SYN-SENT an RST is acceptable only when its ACK acknowledges the SYN, and this one carries no ACK (RFC 9293 §3.10.7.3); Linux drops it';
    case RST_NOTE.badAck:
      return `in SYN-SENT an RST is acceptable only when its ACK acknowledges the SYN, and its ACK ${n.actual} does not (${n.expected} would; RFC 9293 §3.10.7.3); Linux drops it`;
    case RST_NOTE.outOfWindow:
      return `its sequence number ${n.actual} is outside the receive window at RCV.NXT ${n.expected} (RFC 9293 §3.10.7.4, first); Linux drops it`;
    case RST_NOTE.challenge:
      return `its sequence number ${n.actual} is inside the receive window but not RCV.NXT ${n.expected}: it draws a challenge ACK, not a reset (RFC 5961 §3.2; Linux tcp_validate_incoming)`;
    default:
      return 'it was not acceptable';
  }
}

function judgedZh(n: NoteOf<'rst-ignored'>): string {
  switch (n.judged) {
    case RST_NOTE.noAck:
      return '在 SYN-SENT 状态下，只有确认了 SYN 的 RST 才可接受，而这个 RST 不带 ACK（RFC 9293 §3.10.7.3）；Linux 将其丢弃';
    case RST_NOTE.badAck:
      return `在 SYN-SENT 状态下，只有确认了 SYN 的 RST 才可接受，而它的 ACK ${n.actual} 没有确认 SYN（应为 ${n.expected}；RFC 9293 §3.10.7.3）；Linux 将其丢弃`;
    case RST_NOTE.outOfWindow:
      return `它的序号 ${n.actual} 在接收窗口之外（RCV.NXT 为 ${n.expected}；RFC 9293 §3.10.7.4 第一条）；Linux 将其丢弃`;
    case RST_NOTE.challenge:
      return `它的序号 ${n.actual} 在接收窗口之内，但不等于 RCV.NXT ${n.expected}：它引出一个挑战 ACK，而不会重置连接（RFC 5961 §3.2；Linux tcp_validate_incoming）`;
    default:
      return '它不可接受';
  }
}

const en: NoteTemplates = {
  'time-wait-reused': (n) =>
    `The ${n.side}'s TIME-WAIT (2·MSL from packet ${n.twPacket}) ended early at +${n.at} s: a new SYN in packet ${n.packet} reused the 4-tuple for the next connection, so it is CLOSED.`,
  'time-wait-expired': (n) =>
    `The ${n.side}'s TIME-WAIT expired at +${n.expiry} s (2·MSL = ${n.msl2} s after packet ${n.twPacket}), before the capture ended at +${n.end} s; it is CLOSED.`,
  'time-wait-until': (n) =>
    `The ${n.side} is in TIME-WAIT until +${n.until} s (2·MSL = ${n.msl2} s after packet ${n.twPacket}); the capture ends at +${n.end} s.`,
  'time-wait-written-early': (n) =>
    `The ${n.side} is in TIME-WAIT until +${n.until} s (2·MSL = ${n.msl2} s after packet ${n.twPacket}); this record was written at +${n.end} s, before the capture ended, to keep memory bounded (the summary counts the state at the end).`,
  'lossy-not-arrived': (n) =>
    `The ${n.side} never acknowledged the ${peer(n.side)}'s segment in packet ${n.packet}, and earlier copies of it were lost on the way (the ${n.side} retransmitted over them), so it is not assumed to have arrived: the ${n.side} stays ${n.stays}.`,
  'unseen-side': (n) =>
    `The ${n.side} sent no segment in this capture, so its state cannot be seen: it is reported CLOSED, the RFC's "no connection" state (RFC 9293 §3.3.2); the ${peer(n.side)}'s segments may never have reached it.`,
  'no-syn-captured': (n) =>
    `No SYN from the ${n.side} was captured: its relative sequence numbers count from ${n.base} (its first captured sequence number minus one, as Wireshark and Zeek do).`,
  evicted: (n) =>
    `Evicted before it ended: the table tracks at most ${n.maxConnections ?? 'so many'} connections at once (--max-connections) and this one was the least recently active of its kind (an opening that never completed goes first while such openings fill an eighth of the table), so its record was written at +${n.end} s with each endpoint's state as of then; a later segment of it starts a new (mid-stream) connection.`,
  'segments-omitted': (n) => `${n.count} more opening/closing segments are not listed (limit ${n.limit}).`,
  'timeline-omitted': (n) => `${n.count} later state changes are not listed (limit ${n.limit}).`,
  'retransmitted-unanswered': (n) =>
    `The ${n.side} stays ${n.stays} (inferred: ${n.code}, packet ${n.packet}): the ${peer(n.side)} sent its ${n.what} ${n.copies} times, the last in packet ${n.packet}, and was still retransmitting it when the capture ended: no ACK of it reached the ${peer(n.side)}, so the ${n.side} (not in this capture) is not assumed to have received it.`,
  'unanswered-for-rtts': (n) =>
    `The ${n.side} stays ${n.stays} (inferred: ${n.code}, packet ${n.packet}): the ${n.side} sent nothing in the ${n.quietSec} s the capture went on after the ${peer(n.side)}'s ${n.what} in packet ${n.packet} (an endpoint answers one at once), so it most likely never received it.`,
  'no-retransmission-after': (n) =>
    `The ${n.side} is ${n.state}, not ${n.from} (inferred: ${n.code}, packet ${n.packet}): the ${n.side} did not retransmit its ${n.what} (packet ${n.packet}) in the ${n.quietSec} s the capture went on after it, so the ${peer(n.side)}'s ACK of it, which this capture (without the ${peer(n.side)}'s segments) cannot show, reached it (RFC 6298 §5).`,
  'rst-ignored': (n) =>
    `The ${peer(n.by)} ignores the ${n.by}'s RST in packet ${n.packet} (${n.judged}): ${judgedEn(n)}, so it changes nothing for the ${peer(n.by)}.`,
  'rst-not-taken': (n) =>
    `The ${peer(n.by)} had not taken the ${n.by}'s RST in packet ${n.packet} (${RST_NOTE.notTaken}): it sent more of the connection afterwards, which it could not have done after a reset, so the RST was lost, crossed its segment, or was not acceptable to it; the ${peer(n.by)} was not reset by it.`,
  'rst-sender-went-on': (n) => {
    const one = n.packets.length === 1;
    const list = one ? `the RST in packet ${n.packets[0]}` : `the RSTs in packets ${n.packets.join(', ')}`;
    return `The ${n.by} went on with the connection after ${list} (${RST_NOTE.senderWentOn}, packet ${n.wentOnAt}): an endpoint that resets has no connection left to send from, so ${one ? 'that RST was' : 'they were'} not the ${n.by}'s abort but injected by another host (a middlebox or an attacker)${n.nothingReset ? '; nothing was reset' : ''}.`;
  },
  'more-rsts': (n) => `${n.count} more RSTs are not judged one by one (limit ${n.limit}).`,
  'unexpected-segment': (n) =>
    `Packet ${n.packet} (${n.code}): the ${n.side} in ${n.state} ${n.dir} a segment that state cannot ${n.dir === 'sent' ? 'send' : 'receive'}: ${cellWhy(n)}.`,
  'more-unexpected': (n) => `${n.count} more unexpected segments are not listed (limit ${n.limit}).`,
  reordered: (n) =>
    `Captured out of order (${n.code}): ${n.segments} ${n.segments === 1 ? 'segment was' : 'segments were'} captured after later sequence space of the same sender though ${n.segments === 1 ? 'it' : 'they'} went first on the wire, the first in packet ${n.firstPacket}; the checks and states follow sequence space, not capture order.`,
  'rtt-reordered': (n) =>
    `No handshake RTT (${n.code}): the SYN,ACK (packet ${n.synAckPacket}) was captured before the SYN it answers (packet ${n.synPacket}), so the time between them is not a round trip.`,
  'clock-backwards': (n) =>
    `The capture's clock went backwards ${n.steps} ${n.steps === 1 ? 'time' : 'times'} in this connection (${n.code}), first at packet ${n.firstPacket} by ${n.backSec} s: durations across such a step are not measured.`,
};

const zhSide = (s: Side) => (s === 'client' ? '客户端' : '服务器');

const zh: NoteTemplates = {
  'time-wait-reused': (n) =>
    `${zhSide(n.side)}的 TIME-WAIT（从包 ${n.twPacket} 起 2·MSL）在 +${n.at} s 提前结束：包 ${n.packet} 中新的 SYN 复用了该四元组，开始下一条连接，所以它是 CLOSED。`,
  'time-wait-expired': (n) =>
    `${zhSide(n.side)}的 TIME-WAIT 于 +${n.expiry} s 到期（包 ${n.twPacket} 之后 2·MSL = ${n.msl2} s），早于捕获结束（+${n.end} s）；它是 CLOSED。`,
  'time-wait-until': (n) => `${zhSide(n.side)}处于 TIME-WAIT，直到 +${n.until} s（包 ${n.twPacket} 之后 2·MSL = ${n.msl2} s）；捕获结束于 +${n.end} s。`,
  'time-wait-written-early': (n) =>
    `${zhSide(n.side)}处于 TIME-WAIT，直到 +${n.until} s（包 ${n.twPacket} 之后 2·MSL = ${n.msl2} s）；为限制内存，这条记录在捕获结束前的 +${n.end} s 写出（汇总按捕获结束时的状态计数）。`,
  'lossy-not-arrived': (n) =>
    `${zhSide(n.side)}始终没有确认${zhSide(peer(n.side))}在包 ${n.packet} 中的报文段，而它更早的副本在途中丢失（${zhSide(n.side)}在其上重传了自己的报文段），所以不认为它已到达：${zhSide(n.side)}仍为 ${n.stays}。`,
  'unseen-side': (n) =>
    `${zhSide(n.side)}在这次捕获中没有发送任何报文段，看不到它的状态：报告为 CLOSED，即 RFC 的“没有连接”状态（RFC 9293 §3.3.2）；${zhSide(peer(n.side))}的报文段可能从未到达它。`,
  'no-syn-captured': (n) => `没有捕获到${zhSide(n.side)}的 SYN：它的相对序号从 ${n.base} 算起（它第一个被捕获的序号减一，与 Wireshark 和 Zeek 相同）。`,
  evicted: (n) =>
    `结束前被逐出：连接表最多同时跟踪 ${n.maxConnections ?? '这么多'} 条连接（--max-connections），而这条是同类中最久不活动的（未完成的打开占连接表八分之一以上时先逐出它们），所以它的记录在 +${n.end} s 写出，各端点的状态以那时为准；它之后的报文段开始一条新的（中途开始的）连接。`,
  'segments-omitted': (n) => `另有 ${n.count} 个打开/关闭报文段未列出（上限 ${n.limit}）。`,
  'timeline-omitted': (n) => `另有 ${n.count} 次后来的状态变化未列出（上限 ${n.limit}）。`,
  'retransmitted-unanswered': (n) =>
    `${zhSide(n.side)}仍为 ${n.stays}（推断：${n.code}，包 ${n.packet}）：${zhSide(peer(n.side))}把它的 ${n.what} 发送了 ${n.copies} 次，最后一次在包 ${n.packet}，到捕获结束时仍在重传：没有对它的 ACK 到达${zhSide(peer(n.side))}，所以不认为${zhSide(n.side)}（不在这次捕获中）收到了它。`,
  'unanswered-for-rtts': (n) =>
    `${zhSide(n.side)}仍为 ${n.stays}（推断：${n.code}，包 ${n.packet}）：在${zhSide(peer(n.side))}于包 ${n.packet} 发出 ${n.what} 之后，捕获又持续了 ${n.quietSec} s，${zhSide(n.side)}什么也没有发送（端点会立即应答），所以它很可能从未收到。`,
  'no-retransmission-after': (n) =>
    `${zhSide(n.side)}是 ${n.state}，而不是 ${n.from}（推断：${n.code}，包 ${n.packet}）：在它的 ${n.what}（包 ${n.packet}）之后捕获又持续了 ${n.quietSec} s，${zhSide(n.side)}没有重传，所以${zhSide(peer(n.side))}对它的 ACK 已经到达（这次捕获没有${zhSide(peer(n.side))}的报文段，看不到该 ACK；RFC 6298 §5）。`,
  'rst-ignored': (n) =>
    `${zhSide(peer(n.by))}忽略${zhSide(n.by)}在包 ${n.packet} 中的 RST（${n.judged}）：${judgedZh(n)}，所以它对${zhSide(peer(n.by))}没有任何改变。`,
  'rst-not-taken': (n) =>
    `${zhSide(peer(n.by))}没有接受${zhSide(n.by)}在包 ${n.packet} 中的 RST（${RST_NOTE.notTaken}）：它之后还发送了这条连接的报文段，被重置后不可能这样做，所以该 RST 丢失了、与它的报文段交错而过，或对它不可接受；${zhSide(peer(n.by))}没有被它重置。`,
  'rst-sender-went-on': (n) =>
    `${zhSide(n.by)}在包 ${n.packets.join('、')} 中的 RST 之后继续了这条连接（${RST_NOTE.senderWentOn}，包 ${n.wentOnAt}）：发出重置的端点已经没有连接可以继续发送，所以${n.packets.length === 1 ? '该 RST' : '这些 RST'}不是${zhSide(n.by)}的中止，而是由其他主机（中间设备或攻击者）注入的${n.nothingReset ? '；没有任何一端被重置' : ''}。`,
  'more-rsts': (n) => `另有 ${n.count} 个 RST 未逐一判断（上限 ${n.limit}）。`,
  'unexpected-segment': (n) =>
    `包 ${n.packet}（${n.code}）：处于 ${n.state} 的${zhSide(n.side)}${n.dir === 'sent' ? '发送' : '收到'}了该状态不能${n.dir === 'sent' ? '发送' : '接收'}的报文段（RFC 9293 §3.10.7），状态不变。`,
  'more-unexpected': (n) => `另有 ${n.count} 个意外的报文段未列出（上限 ${n.limit}）。`,
  reordered: (n) =>
    `捕获顺序与线路上的顺序不同（${n.code}）：有 ${n.segments} 个报文段在同一发送方序号更大的报文段之后才被捕获，而它们在线路上先发送，第一个在包 ${n.firstPacket}；检查和状态按序号空间判断，而不是按捕获顺序。`,
  'rtt-reordered': (n) =>
    `没有握手 RTT（${n.code}）：SYN,ACK（包 ${n.synAckPacket}）在它所应答的 SYN（包 ${n.synPacket}）之前被捕获，两者之间的时间不是往返时间。`,
  'clock-backwards': (n) =>
    `捕获的时钟在这条连接中倒退了 ${n.steps} 次（${n.code}），第一次在包 ${n.firstPacket}，倒退 ${n.backSec} s：跨越这种倒退的时长不予计算。`,
};

/** Note wordings by language. */
export const NOTE_TEXT: Record<Lang, NoteTemplates> = { en, zh };

/** One note in `lang`. */
export function noteText(n: Note, lang: Lang): string {
  return (NOTE_TEXT[lang][n.code] as (n: Note) => string)(n);
}

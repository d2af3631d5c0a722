/**
 * The per-endpoint state machine of RFC 9293 as one total, typed table:
 * `TABLE[state][dir][event] -> { next, why }`.
 *
 * Each captured segment is a `sent` event for its source endpoint and a `received` event for its
 * destination (the capture point sees A send it and we assume B receives it; machines.ts undoes
 * that assumption where B's own later segments show otherwise). `classify.ts` turns a segment into
 * the two events (all the sequence-number guards live there); this table only says what each event
 * does in each state, and why, in RFC 9293's words. A missing cell fails to compile.
 *
 * Sections cited: §3.5 (opening), §3.6 (closing), §3.10.1 OPEN, §3.10.2 SEND, §3.10.4 CLOSE,
 * §3.10.5 ABORT, §3.10.7.1 CLOSED, §3.10.7.2 LISTEN, §3.10.7.3 SYN-SENT, §3.10.7.4 other states,
 * §3.10.8 timeouts; RFC 5961 (blind reset / SYN defences) for RSTs and SYNs in synchronized states.
 */
import { TcpState } from './model.js';

/** What an endpoint's own segment means for its machine. */
export const SENT_EVENTS = [
  'Syn', // SYN without ACK, a new ISN (or the first)
  'SynRexmit', // SYN without ACK repeating its ISN
  'SynAck', // SYN+ACK, its first
  'SynAckRexmit', // SYN+ACK repeating an earlier one
  'AckOfSyn', // first segment (no SYN/FIN/RST) whose ACK covers the peer's SYN
  'Ack', // no SYN/FIN/RST, no payload, nothing newly acknowledged that matters to the machine
  'Data', // payload, no SYN/FIN/RST, nothing newly acknowledged that matters to the machine
  'Fin', // FIN, its first, not acknowledging the peer's FIN for the first time
  'FinAck', // FIN, its first, acknowledging the peer's FIN for the first time
  'FinRexmit', // FIN repeating an earlier one
  'AckOfFin', // first segment (no SYN/FIN/RST) whose ACK covers the peer's FIN
  'Rst', // RST: an abort, or the answer of an endpoint without a connection
  'RstAnswer', // RST answering an unacceptable SYN,ACK while SYN-SENT (<SEQ=SEG.ACK><CTL=RST>)
  'NoAck', // neither SYN, RST nor ACK (a FIN, data or nothing without the ACK bit): no state sends one
] as const;
/** A sent event (see SENT_EVENTS). */
export type SentEvent = (typeof SENT_EVENTS)[number];

/** What a segment from the peer means for the receiving endpoint's machine. */
export const RECEIVED_EVENTS = [
  'Syn', // SYN without ACK, new ISN
  'SynRexmit', // SYN without ACK, the ISN already seen
  'SynAck', // SYN+ACK whose ACK is acceptable (covers our SYN, not beyond what we sent)
  'SynAckBadAck', // SYN+ACK whose ACK is unacceptable
  'AckOfSyn', // no SYN/FIN/RST, ACK newly covering our SYN
  'Ack', // no SYN/FIN/RST, no payload, nothing newly acknowledged
  'Data', // payload, no SYN/FIN/RST, nothing newly acknowledged
  'Fin', // FIN not acknowledging our FIN (or we sent none)
  'FinAck', // FIN whose ACK newly covers our FIN
  'FinRexmit', // FIN already seen, not newly acknowledging ours
  'AckOfFin', // no SYN/FIN/RST, ACK newly covering our FIN
  'Rst', // RST we must accept (RFC 9293 §3.10.7.3/§3.10.7.4, RFC 5961 §3.2 exact match)
  'RstUnacceptable', // RST outside the window, or in it but not at RCV.NXT (challenge ACK)
  'NoAck', // neither SYN, RST nor ACK: dropped in every state (a FIN on it closes nothing)
] as const;
/** A received event (see RECEIVED_EVENTS). */
export type ReceivedEvent = (typeof RECEIVED_EVENTS)[number];

/** Which side of a segment an endpoint is on. */
export type Dir = 'sent' | 'received';

/** One cell: the state after the event, and why (one sentence, RFC 9293 wording; `--explain` prints it). */
export interface Cell {
  readonly next: TcpState;
  readonly why: string;
  /** TIME-WAIT only: the event restarts the 2·MSL timer (RFC 9293 §3.10.7.4, TIME-WAIT). */
  readonly restart2msl?: true;
  /**
   * The state cannot send or receive this segment per RFC 9293 §3.10.7 (no arc of the diagram has
   * it): it changes nothing and the segment is flagged `unexpected` (connection.ts). Such a segment
   * is never forced into an arc.
   */
  readonly unexpected?: true;
}

/** The whole table: every state, both directions, every event of that direction. */
export type Table = {
  readonly [S in TcpState]: {
    readonly sent: { readonly [E in SentEvent]: Cell };
    readonly received: { readonly [E in ReceivedEvent]: Cell };
  };
};

const S = TcpState;
const to = (next: TcpState, why: string): Cell => ({ next, why });
/** A cell for a segment the state cannot send or receive: no change, flagged `unexpected`. */
const odd = (state: TcpState, why: string): Cell => ({ next: state, why, unexpected: true });

// Sentences used by many cells.
const SYN_IN_SYNC = 'a SYN in a synchronized state is answered with a challenge ACK and changes nothing (RFC 9293 §3.10.7.4, RFC 5961 §4)';
const DUP_SYNACK = 'a repeated SYN,ACK is acknowledged again and changes nothing (RFC 9293 §3.10.7.4)';
const NO_CHANGE_ACK = 'an ACK that acknowledges nothing new to the state machine changes nothing (RFC 9293 §3.10.7.4)';
const NO_CHANGE_DATA = 'data is queued for the user and changes nothing (RFC 9293 §3.10.7.4, seventh)';
const RST_UNACC = 'an RST outside the window is dropped, and one inside it but not at RCV.NXT only draws a challenge ACK (RFC 9293 §3.10.7.4, RFC 5961 §3.2)';
const ABORT = 'it sent RST: an ABORT deletes the TCB (RFC 9293 §3.10.5)';
const RST_ANSWER_SYNC = 'an RST answering an unacceptable segment leaves its own connection as it was (RFC 9293 §3.10.7.4)';
const DATA_AFTER_FIN = 'it sends data after its own FIN: a violation (RFC 9293 §3.10.2: no SEND after CLOSE); no state change';
const RESET_RCVD = 'an RST at RCV.NXT resets the connection: the TCB is deleted (RFC 9293 §3.10.7.4, RFC 5961 §3.2)';
const CLOSED_RCV = 'CLOSED: no TCB exists, the segment is discarded and (unless it is an RST) answered with an RST (RFC 9293 §3.10.7.1)';
const CLOSED_SENDS = 'a CLOSED endpoint has no TCB and sends nothing but RSTs (RFC 9293 §3.10.7.1); the segment is anomalous and changes nothing';
const LISTEN_ACK = 'any ACK arriving in LISTEN is bad: it is answered with an RST and LISTEN is kept (RFC 9293 §3.10.7.2)';
const LISTEN_ODD = 'a LISTEN endpoint sends only SYN,ACK (or RST): the segment is anomalous and LISTEN is kept (RFC 9293 §3.10.7.2)';
const SYNSENT_DROP = 'in SYN-SENT a segment with neither SYN nor RST is dropped (RFC 9293 §3.10.7.3, fifth)';
const SYNRCVD_NOT_ACK = 'not an acceptable ACK of our SYN: SYN-RECEIVED is kept (RFC 9293 §3.10.7.4, fifth)';
const NOT_OUR_FIN_YET = 'nothing in it acknowledges our FIN, so the state is kept (RFC 9293 §3.10.7.4)';
const FIN_AGAIN = 'a repeated FIN is acknowledged again and changes nothing (RFC 9293 §3.10.7.4, eighth)';
const SYN_FROM_LATE =
  'a SYN sent after the opening changes nothing: a new ISN on this 4-tuple is a new connection (RFC 9293 §3.4.1), split off by the flow stage';
const SYNACK_FROM_LATE = 'a SYN,ACK sent after the opening repeats the handshake and changes nothing (RFC 9293 §3.10.7.4)';
const FINREXMIT_WAIT = 'it retransmits its FIN: the FIN is not yet acknowledged (RFC 9293 §3.10.8 retransmission timeout); no change';
const NO_ACK_SENT =
  'a segment without SYN, RST or ACK: every segment after the SYN carries ACK, and one without is dropped in every state (RFC 9293 §3.10.7.4, fifth), so no state sends it; anomalous, no change';
const NO_ACK_SYNC =
  'a segment without the ACK bit is dropped in a synchronized state, its FIN or data unread (RFC 9293 §3.10.7.4, fifth; Linux tcp_rcv_state_process); no change';
const LISTEN_NO_ACK = 'a segment with neither SYN, RST nor ACK (a FIN, data) arriving in LISTEN is dropped (RFC 9293 §3.10.7.2, fourth)';

/** RFC 9293's state machine, per endpoint. */
export const TABLE: Table = {
  [S.Closed]: {
    sent: {
      Syn: to(S.SynSent, 'active OPEN: it sent SYN (RFC 9293 §3.10.1)'),
      SynRexmit: to(S.SynSent, 'it repeats its SYN: the active OPEN is still under way (RFC 9293 §3.10.1)'),
      SynAck: to(S.SynReceived, 'its SYN,ACK shows a listener received a SYN (RFC 9293 §3.10.7.2)'),
      SynAckRexmit: to(S.SynReceived, 'its SYN,ACK shows a listener received a SYN (RFC 9293 §3.10.7.2)'),
      AckOfSyn: odd(S.Closed, CLOSED_SENDS),
      Ack: odd(S.Closed, CLOSED_SENDS),
      Data: odd(S.Closed, CLOSED_SENDS),
      Fin: odd(S.Closed, CLOSED_SENDS),
      FinAck: odd(S.Closed, CLOSED_SENDS),
      FinRexmit: odd(S.Closed, CLOSED_SENDS),
      AckOfFin: odd(S.Closed, CLOSED_SENDS),
      Rst: to(S.Closed, 'it answered a segment for a connection it does not have with RST (RFC 9293 §3.10.7.1)'),
      RstAnswer: to(S.Closed, 'it answered a segment for a connection it does not have with RST (RFC 9293 §3.10.7.1)'),
      NoAck: odd(S.Closed, CLOSED_SENDS),
    },
    received: {
      Syn: to(S.Closed, CLOSED_RCV),
      SynRexmit: to(S.Closed, CLOSED_RCV),
      SynAck: to(S.Closed, CLOSED_RCV),
      SynAckBadAck: to(S.Closed, CLOSED_RCV),
      AckOfSyn: to(S.Closed, CLOSED_RCV),
      Ack: to(S.Closed, CLOSED_RCV),
      Data: to(S.Closed, CLOSED_RCV),
      Fin: to(S.Closed, CLOSED_RCV),
      FinAck: to(S.Closed, CLOSED_RCV),
      FinRexmit: to(S.Closed, CLOSED_RCV),
      AckOfFin: to(S.Closed, CLOSED_RCV),
      Rst: to(S.Closed, 'CLOSED: an incoming RST is discarded (RFC 9293 §3.10.7.1)'),
      RstUnacceptable: to(S.Closed, 'CLOSED: an incoming RST is discarded (RFC 9293 §3.10.7.1)'),
      NoAck: odd(S.Closed, CLOSED_RCV),
    },
  },

  [S.Listen]: {
    sent: {
      Syn: to(S.SynSent, 'SEND in LISTEN turns the passive OPEN active: it sent SYN (RFC 9293 §3.10.2); its SYN crossed the peer’s'),
      SynRexmit: to(S.SynSent, 'SEND in LISTEN turns the passive OPEN active: it sent SYN (RFC 9293 §3.10.2)'),
      SynAck: to(S.SynReceived, 'it received the SYN and answered SYN,ACK (RFC 9293 §3.10.7.2)'),
      SynAckRexmit: to(S.SynReceived, 'it received the SYN and answered SYN,ACK (RFC 9293 §3.10.7.2)'),
      AckOfSyn: odd(S.Listen, LISTEN_ODD),
      Ack: odd(S.Listen, LISTEN_ODD),
      Data: odd(S.Listen, LISTEN_ODD),
      Fin: odd(S.Listen, LISTEN_ODD),
      FinAck: odd(S.Listen, LISTEN_ODD),
      FinRexmit: odd(S.Listen, LISTEN_ODD),
      AckOfFin: odd(S.Listen, LISTEN_ODD),
      Rst: to(
        S.Closed,
        'it answered the SYN with RST: nothing listened on the port, the RFC’s CLOSED state (RFC 9293 §3.10.7.1); LISTEN had only been assumed',
      ),
      RstAnswer: to(S.Listen, 'an RST answering an unacceptable segment; LISTEN is kept (RFC 9293 §3.10.7.2)'),
      NoAck: odd(S.Listen, LISTEN_ODD),
    },
    received: {
      Syn: to(S.Listen, 'a SYN for a listener: SYN-RECEIVED is entered when its SYN,ACK shows the SYN arrived (RFC 9293 §3.10.7.2), not before'),
      SynRexmit: to(S.Listen, 'a repeated SYN for a listener: SYN-RECEIVED waits for its SYN,ACK (RFC 9293 §3.10.7.2)'),
      SynAck: odd(S.Listen, LISTEN_ACK),
      SynAckBadAck: odd(S.Listen, LISTEN_ACK),
      AckOfSyn: odd(S.Listen, LISTEN_ACK),
      Ack: odd(S.Listen, LISTEN_ACK),
      Data: odd(S.Listen, LISTEN_ACK),
      Fin: odd(S.Listen, LISTEN_ACK),
      FinAck: odd(S.Listen, LISTEN_ACK),
      FinRexmit: odd(S.Listen, LISTEN_ACK),
      AckOfFin: odd(S.Listen, LISTEN_ACK),
      Rst: to(S.Listen, 'an incoming RST is ignored in LISTEN (RFC 9293 §3.10.7.2, first)'),
      RstUnacceptable: to(S.Listen, 'an incoming RST is ignored in LISTEN (RFC 9293 §3.10.7.2, first)'),
      NoAck: odd(S.Listen, LISTEN_NO_ACK),
    },
  },

  [S.SynSent]: {
    sent: {
      Syn: to(S.SynSent, 'a SYN with a new ISN: the attempt starts over, still SYN-SENT (RFC 9293 §3.10.1)'),
      SynRexmit: to(S.SynSent, 'it retransmits its SYN: no acceptable answer yet (RFC 9293 §3.10.8)'),
      SynAck: to(S.SynReceived, 'its SYN,ACK shows the peer’s SYN crossed its own: simultaneous open (RFC 9293 §3.10.7.3, fourth; §3.5 Figure 7)'),
      SynAckRexmit: to(S.SynReceived, 'its SYN,ACK shows the peer’s SYN crossed its own: simultaneous open (RFC 9293 §3.5)'),
      AckOfSyn: to(S.Established, 'its ACK of the peer’s SYN shows it received the SYN,ACK (RFC 9293 §3.10.7.3, fourth)'),
      Ack: to(S.Established, 'it sends ACKs, so its SYN was answered by a SYN,ACK this capture missed (RFC 9293 §3.10.7.3)'),
      Data: to(S.Established, 'it sends data, so its SYN was answered by a SYN,ACK this capture missed (RFC 9293 §3.10.7.3)'),
      Fin: to(S.FinWait1, 'its FIN carries an ACK, so it had received a SYN,ACK this capture missed: CLOSE sends FIN (RFC 9293 §3.10.7.3, §3.10.4)'),
      FinAck: to(S.FinWait1, 'its FIN carries an ACK, so it had received a SYN,ACK this capture missed: CLOSE sends FIN (RFC 9293 §3.10.7.3, §3.10.4)'),
      FinRexmit: to(S.FinWait1, 'its FIN carries an ACK, so it had received a SYN,ACK this capture missed (RFC 9293 §3.10.7.3, §3.10.4)'),
      AckOfFin: to(S.Established, 'it acknowledges the peer’s FIN, so the connection was synchronized (RFC 9293 §3.10.7.3)'),
      Rst: to(S.Closed, 'it sent RST and abandons the attempt: the TCB is deleted (RFC 9293 §3.10.5)'),
      RstAnswer: to(S.SynSent, 'its RST answers an unacceptable SYN,ACK (<SEQ=SEG.ACK><CTL=RST>); the attempt goes on (RFC 9293 §3.10.7.3, first)'),
      NoAck: odd(
        S.SynSent,
        'a FIN or data without ACK from SYN-SENT: RFC 9293 has no such transition (CLOSE in SYN-SENT deletes the TCB and sends nothing, §3.10.4; a segment without ACK is dropped, §3.10.7.4 fifth); no change',
      ),
    },
    received: {
      Syn: to(S.SynReceived, 'a SYN without ACK: simultaneous open, a SYN,ACK is due (RFC 9293 §3.10.7.3, fourth)'),
      SynRexmit: to(S.SynReceived, 'a SYN without ACK: simultaneous open, a SYN,ACK is due (RFC 9293 §3.10.7.3, fourth)'),
      SynAck: to(S.Established, 'a SYN,ACK acknowledging its SYN: the connection is established, an ACK is due (RFC 9293 §3.10.7.3, fourth)'),
      SynAckBadAck: to(
        S.SynSent,
        'a SYN,ACK whose ACK is unacceptable (SEG.ACK =< ISS or > SND.NXT) is answered with RST; still SYN-SENT (RFC 9293 §3.10.7.3, first)',
      ),
      AckOfSyn: odd(S.SynSent, SYNSENT_DROP),
      Ack: odd(S.SynSent, SYNSENT_DROP),
      Data: odd(S.SynSent, SYNSENT_DROP),
      Fin: odd(S.SynSent, SYNSENT_DROP),
      FinAck: odd(S.SynSent, SYNSENT_DROP),
      FinRexmit: odd(S.SynSent, SYNSENT_DROP),
      AckOfFin: odd(S.SynSent, SYNSENT_DROP),
      Rst: to(S.Closed, 'an RST with an acceptable ACK: "connection reset" (refused), the TCB is deleted (RFC 9293 §3.10.7.3, second)'),
      RstUnacceptable: to(S.SynSent, 'an RST without an ACK that acknowledges its SYN is dropped (RFC 9293 §3.10.7.3, second)'),
      NoAck: odd(S.SynSent, SYNSENT_DROP),
    },
  },

  [S.SynReceived]: {
    sent: {
      Syn: to(S.SynReceived, 'a SYN repeated in SYN-RECEIVED changes nothing (RFC 9293 §3.10.8)'),
      SynRexmit: to(S.SynReceived, 'a SYN repeated in SYN-RECEIVED changes nothing (RFC 9293 §3.10.8)'),
      SynAck: to(S.SynReceived, 'its SYN,ACK answers the peer’s SYN; it waits for the ACK of its own SYN (RFC 9293 §3.5)'),
      SynAckRexmit: to(S.SynReceived, 'it retransmits its SYN,ACK: its SYN is not yet acknowledged (RFC 9293 §3.10.8)'),
      AckOfSyn: to(S.SynReceived, 'it acknowledges the peer’s SYN; it waits for the ACK of its own SYN (RFC 9293 §3.5)'),
      Ack: to(S.SynReceived, 'an ACK sent in SYN-RECEIVED changes nothing (RFC 9293 §3.10.7.4)'),
      Data: to(S.SynReceived, 'data sent in SYN-RECEIVED (Fast Open, RFC 7413 §4.2) changes nothing'),
      Fin: to(S.FinWait1, 'CLOSE in SYN-RECEIVED sends FIN: SYN-RECEIVED → FIN-WAIT-1 (RFC 9293 §3.10.4)'),
      FinAck: to(S.FinWait1, 'CLOSE in SYN-RECEIVED sends FIN: SYN-RECEIVED → FIN-WAIT-1 (RFC 9293 §3.10.4)'),
      FinRexmit: to(S.FinWait1, 'its FIN shows CLOSE was called: FIN-WAIT-1 (RFC 9293 §3.10.4)'),
      AckOfFin: to(S.SynReceived, 'an ACK sent in SYN-RECEIVED changes nothing (RFC 9293 §3.10.7.4)'),
      Rst: to(S.Closed, ABORT),
      RstAnswer: to(S.SynReceived, RST_ANSWER_SYNC),
      NoAck: odd(S.SynReceived, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.SynReceived, 'a repeated or crossed SYN is answered with SYN,ACK or ACK; SYN-RECEIVED is kept (RFC 9293 §3.10.7.4, RFC 5961 §4)'),
      SynRexmit: to(S.SynReceived, 'a retransmitted SYN: its SYN,ACK (or ACK) is sent again; SYN-RECEIVED is kept (RFC 9293 §3.10.7.4)'),
      SynAck: to(S.Established, 'a SYN,ACK acknowledging its SYN (SND.UNA < SEG.ACK =< SND.NXT): SYN-RECEIVED → ESTABLISHED (RFC 9293 §3.10.7.4, fifth)'),
      SynAckBadAck: to(S.SynReceived, 'an unacceptable ACK is answered with RST; SYN-RECEIVED is kept (RFC 9293 §3.10.7.4, fifth)'),
      AckOfSyn: to(S.Established, 'the ACK of its SYN: SYN-RECEIVED → ESTABLISHED (RFC 9293 §3.10.7.4, fifth)'),
      Ack: to(S.SynReceived, SYNRCVD_NOT_ACK),
      Data: to(S.SynReceived, SYNRCVD_NOT_ACK),
      Fin: to(S.CloseWait, 'a FIN (carrying the ACK of its SYN): ESTABLISHED and at once CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      FinAck: to(S.CloseWait, 'a FIN (carrying the ACK of its SYN): ESTABLISHED and at once CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      FinRexmit: to(S.CloseWait, 'a FIN (carrying the ACK of its SYN): CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      AckOfFin: to(S.SynReceived, SYNRCVD_NOT_ACK),
      Rst: to(
        S.Closed,
        'an RST in SYN-RECEIVED drops the attempt: the listener returns to LISTEN and this connection’s TCB is gone (RFC 9293 §3.10.7.4, second)',
      ),
      RstUnacceptable: to(S.SynReceived, RST_UNACC),
      NoAck: odd(S.SynReceived, NO_ACK_SYNC),
    },
  },

  [S.Established]: {
    sent: {
      Syn: to(S.Established, SYN_FROM_LATE),
      SynRexmit: to(S.Established, SYN_FROM_LATE),
      SynAck: to(S.Established, SYNACK_FROM_LATE),
      SynAckRexmit: to(S.Established, SYNACK_FROM_LATE),
      AckOfSyn: to(S.Established, 'its ACK of the peer’s SYN completes the three-way handshake; already ESTABLISHED (RFC 9293 §3.5)'),
      Ack: to(S.Established, 'an ACK changes nothing (RFC 9293 §3.10.7.4)'),
      Data: to(S.Established, 'sending data changes nothing (RFC 9293 §3.10.2)'),
      Fin: to(S.FinWait1, 'CLOSE: it sent FIN, ESTABLISHED → FIN-WAIT-1 (RFC 9293 §3.10.4)'),
      FinAck: to(S.LastAck, 'its FIN acknowledges the peer’s FIN, which it had received (CLOSE-WAIT): CLOSE → LAST-ACK (RFC 9293 §3.10.4)'),
      FinRexmit: to(S.FinWait1, 'its FIN shows CLOSE was called: FIN-WAIT-1 (RFC 9293 §3.10.4)'),
      AckOfFin: to(S.CloseWait, 'its ACK covers the peer’s FIN, so it received it: CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      Rst: to(S.Closed, ABORT),
      RstAnswer: to(S.Established, RST_ANSWER_SYNC),
      NoAck: odd(S.Established, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.Established, SYN_IN_SYNC),
      SynRexmit: to(S.Established, SYN_IN_SYNC),
      SynAck: to(S.Established, DUP_SYNACK),
      SynAckBadAck: to(S.Established, DUP_SYNACK),
      AckOfSyn: to(S.Established, 'the ACK of its SYN; already ESTABLISHED (RFC 9293 §3.10.7.4, fifth)'),
      Ack: to(S.Established, NO_CHANGE_ACK),
      Data: to(S.Established, NO_CHANGE_DATA),
      Fin: to(S.CloseWait, 'a FIN: the peer will send no more, ESTABLISHED → CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      FinAck: to(S.CloseWait, 'a FIN: the peer will send no more, ESTABLISHED → CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      FinRexmit: to(S.CloseWait, 'a FIN: the peer will send no more, ESTABLISHED → CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      AckOfFin: to(S.Established, NO_CHANGE_ACK),
      Rst: to(S.Closed, RESET_RCVD),
      RstUnacceptable: to(S.Established, RST_UNACC),
      NoAck: odd(S.Established, NO_ACK_SYNC),
    },
  },

  [S.FinWait1]: {
    sent: {
      Syn: to(S.FinWait1, SYN_FROM_LATE),
      SynRexmit: to(S.FinWait1, SYN_FROM_LATE),
      SynAck: to(S.FinWait1, SYNACK_FROM_LATE),
      SynAckRexmit: to(S.FinWait1, SYNACK_FROM_LATE),
      AckOfSyn: to(S.FinWait1, 'an ACK changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.7.4)'),
      Ack: to(S.FinWait1, 'an ACK changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.7.4)'),
      Data: to(S.FinWait1, DATA_AFTER_FIN),
      Fin: to(S.FinWait1, 'a further FIN changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.4)'),
      FinAck: to(S.FinWait1, 'a further FIN changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.4)'),
      FinRexmit: to(S.FinWait1, FINREXMIT_WAIT),
      AckOfFin: to(S.Closing, 'its ACK covers the peer’s FIN, which it received before its own FIN was acknowledged: CLOSING (RFC 9293 §3.10.7.4, eighth)'),
      Rst: to(S.Closed, ABORT),
      RstAnswer: to(S.FinWait1, RST_ANSWER_SYNC),
      NoAck: odd(S.FinWait1, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.FinWait1, SYN_IN_SYNC),
      SynRexmit: to(S.FinWait1, SYN_IN_SYNC),
      SynAck: to(S.FinWait1, DUP_SYNACK),
      SynAckBadAck: to(S.FinWait1, DUP_SYNACK),
      AckOfSyn: to(S.FinWait1, NOT_OUR_FIN_YET),
      Ack: to(S.FinWait1, NOT_OUR_FIN_YET),
      Data: to(S.FinWait1, 'the peer may still send after our FIN (half-close, RFC 9293 §3.6.1); no change'),
      Fin: to(S.Closing, 'a FIN that does not acknowledge ours: the FINs crossed, FIN-WAIT-1 → CLOSING (RFC 9293 §3.10.7.4, eighth; §3.6 Figure 13)'),
      FinAck: to(S.TimeWait, 'a FIN that also acknowledges ours: FIN-WAIT-1 → TIME-WAIT, the 2·MSL timer starts (RFC 9293 §3.10.7.4, eighth)'),
      FinRexmit: to(S.Closing, 'a FIN that does not acknowledge ours: FIN-WAIT-1 → CLOSING (RFC 9293 §3.10.7.4, eighth)'),
      AckOfFin: to(S.FinWait2, 'the ACK of its FIN: FIN-WAIT-1 → FIN-WAIT-2 (RFC 9293 §3.10.7.4, fifth)'),
      Rst: to(S.Closed, RESET_RCVD),
      RstUnacceptable: to(S.FinWait1, RST_UNACC),
      NoAck: odd(S.FinWait1, NO_ACK_SYNC),
    },
  },

  [S.FinWait2]: {
    sent: {
      Syn: to(S.FinWait2, SYN_FROM_LATE),
      SynRexmit: to(S.FinWait2, SYN_FROM_LATE),
      SynAck: to(S.FinWait2, SYNACK_FROM_LATE),
      SynAckRexmit: to(S.FinWait2, SYNACK_FROM_LATE),
      AckOfSyn: to(S.FinWait2, 'an ACK changes nothing; it waits for the peer’s FIN (RFC 9293 §3.10.7.4)'),
      Ack: to(S.FinWait2, 'an ACK changes nothing; it waits for the peer’s FIN (RFC 9293 §3.10.7.4)'),
      Data: to(S.FinWait2, DATA_AFTER_FIN),
      Fin: to(S.FinWait2, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinAck: to(S.FinWait2, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinRexmit: to(
        S.FinWait2,
        'it retransmits its FIN; no change (RFC 9293 §3.10.8; when this shows the ACK of its FIN was lost, FIN-WAIT-2 is undone first)',
      ),
      AckOfFin: to(S.TimeWait, 'its ACK covers the peer’s FIN, so it received it: TIME-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      Rst: to(S.Closed, ABORT),
      RstAnswer: to(S.FinWait2, RST_ANSWER_SYNC),
      NoAck: odd(S.FinWait2, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.FinWait2, SYN_IN_SYNC),
      SynRexmit: to(S.FinWait2, SYN_IN_SYNC),
      SynAck: to(S.FinWait2, DUP_SYNACK),
      SynAckBadAck: to(S.FinWait2, DUP_SYNACK),
      AckOfSyn: to(S.FinWait2, NO_CHANGE_ACK),
      Ack: to(S.FinWait2, NO_CHANGE_ACK),
      Data: to(S.FinWait2, 'the peer may still send after our FIN (half-close, RFC 9293 §3.6.1); no change'),
      Fin: to(S.TimeWait, 'the peer’s FIN: FIN-WAIT-2 → TIME-WAIT, ACK sent, the 2·MSL timer starts (RFC 9293 §3.10.7.4, eighth)'),
      FinAck: to(S.TimeWait, 'the peer’s FIN: FIN-WAIT-2 → TIME-WAIT, ACK sent, the 2·MSL timer starts (RFC 9293 §3.10.7.4, eighth)'),
      FinRexmit: to(S.TimeWait, 'the peer’s FIN: FIN-WAIT-2 → TIME-WAIT, the 2·MSL timer starts (RFC 9293 §3.10.7.4, eighth)'),
      AckOfFin: to(S.FinWait2, 'a repeated ACK of its FIN changes nothing (RFC 9293 §3.10.7.4)'),
      Rst: to(S.Closed, RESET_RCVD),
      RstUnacceptable: to(S.FinWait2, RST_UNACC),
      NoAck: odd(S.FinWait2, NO_ACK_SYNC),
    },
  },

  [S.CloseWait]: {
    sent: {
      Syn: to(S.CloseWait, SYN_FROM_LATE),
      SynRexmit: to(S.CloseWait, SYN_FROM_LATE),
      SynAck: to(S.CloseWait, SYNACK_FROM_LATE),
      SynAckRexmit: to(S.CloseWait, SYNACK_FROM_LATE),
      AckOfSyn: to(S.CloseWait, 'an ACK changes nothing (RFC 9293 §3.10.7.4)'),
      Ack: to(S.CloseWait, 'an ACK changes nothing (RFC 9293 §3.10.7.4)'),
      Data: to(S.CloseWait, 'it still sends after the peer’s FIN: a half-close in use (RFC 9293 §3.6.1); no change'),
      Fin: to(S.LastAck, 'CLOSE: it sent its FIN, CLOSE-WAIT → LAST-ACK (RFC 9293 §3.10.4)'),
      FinAck: to(S.LastAck, 'CLOSE: it sent its FIN, CLOSE-WAIT → LAST-ACK (RFC 9293 §3.10.4)'),
      FinRexmit: to(S.LastAck, 'its FIN shows CLOSE was called: LAST-ACK (RFC 9293 §3.10.4)'),
      AckOfFin: to(S.CloseWait, 'it acknowledges the peer’s FIN; already CLOSE-WAIT (RFC 9293 §3.10.7.4, eighth)'),
      Rst: to(S.Closed, ABORT),
      RstAnswer: to(S.CloseWait, RST_ANSWER_SYNC),
      NoAck: odd(S.CloseWait, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.CloseWait, SYN_IN_SYNC),
      SynRexmit: to(S.CloseWait, SYN_IN_SYNC),
      SynAck: to(S.CloseWait, DUP_SYNACK),
      SynAckBadAck: to(S.CloseWait, DUP_SYNACK),
      AckOfSyn: to(S.CloseWait, NO_CHANGE_ACK),
      Ack: to(S.CloseWait, NO_CHANGE_ACK),
      Data: to(S.CloseWait, 'data after the peer’s FIN is not expected and is ignored (RFC 9293 §3.10.7.4, seventh)'),
      Fin: to(S.CloseWait, FIN_AGAIN),
      FinAck: to(S.CloseWait, FIN_AGAIN),
      FinRexmit: to(S.CloseWait, FIN_AGAIN),
      AckOfFin: to(S.CloseWait, NO_CHANGE_ACK),
      Rst: to(S.Closed, RESET_RCVD),
      RstUnacceptable: to(S.CloseWait, RST_UNACC),
      NoAck: odd(S.CloseWait, NO_ACK_SYNC),
    },
  },

  [S.Closing]: {
    sent: {
      Syn: to(S.Closing, SYN_FROM_LATE),
      SynRexmit: to(S.Closing, SYN_FROM_LATE),
      SynAck: to(S.Closing, SYNACK_FROM_LATE),
      SynAckRexmit: to(S.Closing, SYNACK_FROM_LATE),
      AckOfSyn: to(S.Closing, 'an ACK changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.7.4)'),
      Ack: to(S.Closing, 'an ACK changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.7.4)'),
      Data: to(S.Closing, DATA_AFTER_FIN),
      Fin: to(S.Closing, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinAck: to(S.Closing, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinRexmit: to(S.Closing, FINREXMIT_WAIT),
      AckOfFin: to(S.Closing, 'its ACK of the peer’s FIN; it waits for the ACK of its own FIN (RFC 9293 §3.10.7.4)'),
      Rst: to(S.Closed, ABORT),
      RstAnswer: to(S.Closing, RST_ANSWER_SYNC),
      NoAck: odd(S.Closing, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.Closing, SYN_IN_SYNC),
      SynRexmit: to(S.Closing, SYN_IN_SYNC),
      SynAck: to(S.Closing, DUP_SYNACK),
      SynAckBadAck: to(S.Closing, DUP_SYNACK),
      AckOfSyn: to(S.Closing, NOT_OUR_FIN_YET),
      Ack: to(S.Closing, NOT_OUR_FIN_YET),
      Data: to(S.Closing, 'data after the peer’s FIN is not expected and is ignored (RFC 9293 §3.10.7.4, seventh)'),
      Fin: to(S.Closing, FIN_AGAIN),
      FinAck: to(S.TimeWait, 'a repeated FIN that acknowledges ours: CLOSING → TIME-WAIT, the 2·MSL timer starts (RFC 9293 §3.10.7.4, fifth)'),
      FinRexmit: to(S.Closing, FIN_AGAIN),
      AckOfFin: to(S.TimeWait, 'the ACK of its FIN: CLOSING → TIME-WAIT, the 2·MSL timer starts (RFC 9293 §3.10.7.4, fifth)'),
      Rst: to(S.Closed, RESET_RCVD),
      RstUnacceptable: to(S.Closing, RST_UNACC),
      NoAck: odd(S.Closing, NO_ACK_SYNC),
    },
  },

  [S.LastAck]: {
    sent: {
      Syn: to(S.LastAck, SYN_FROM_LATE),
      SynRexmit: to(S.LastAck, SYN_FROM_LATE),
      SynAck: to(S.LastAck, SYNACK_FROM_LATE),
      SynAckRexmit: to(S.LastAck, SYNACK_FROM_LATE),
      AckOfSyn: to(S.LastAck, 'an ACK changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.7.4)'),
      Ack: to(S.LastAck, 'an ACK changes nothing; it waits for the ACK of its FIN (RFC 9293 §3.10.7.4)'),
      Data: to(S.LastAck, DATA_AFTER_FIN),
      Fin: to(S.LastAck, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinAck: to(S.LastAck, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinRexmit: to(S.LastAck, FINREXMIT_WAIT),
      AckOfFin: to(S.LastAck, 'it acknowledges the peer’s FIN again; it waits for the ACK of its own (RFC 9293 §3.10.7.4)'),
      Rst: to(S.Closed, ABORT),
      RstAnswer: to(S.LastAck, RST_ANSWER_SYNC),
      NoAck: odd(S.LastAck, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.LastAck, SYN_IN_SYNC),
      SynRexmit: to(S.LastAck, SYN_IN_SYNC),
      SynAck: to(S.LastAck, DUP_SYNACK),
      SynAckBadAck: to(S.LastAck, DUP_SYNACK),
      AckOfSyn: to(S.LastAck, NOT_OUR_FIN_YET),
      Ack: to(S.LastAck, NOT_OUR_FIN_YET),
      Data: to(S.LastAck, 'data after the peer’s FIN is not expected and is ignored (RFC 9293 §3.10.7.4, seventh)'),
      Fin: to(S.LastAck, FIN_AGAIN),
      FinAck: to(S.Closed, 'a repeated FIN that acknowledges ours: LAST-ACK → CLOSED, the TCB is deleted (RFC 9293 §3.10.7.4, fifth)'),
      FinRexmit: to(S.LastAck, FIN_AGAIN),
      AckOfFin: to(S.Closed, 'the ACK of its FIN: LAST-ACK → CLOSED, the TCB is deleted (RFC 9293 §3.10.7.4, fifth)'),
      Rst: to(S.Closed, RESET_RCVD),
      RstUnacceptable: to(S.LastAck, RST_UNACC),
      NoAck: odd(S.LastAck, NO_ACK_SYNC),
    },
  },

  [S.TimeWait]: {
    sent: {
      Syn: to(S.TimeWait, 'a SYN from TIME-WAIT on the same ISN changes nothing; a new ISN is port reuse, a new connection (RFC 9293 §3.4.1, RFC 6191)'),
      SynRexmit: to(S.TimeWait, 'a SYN from TIME-WAIT on the same ISN changes nothing (RFC 9293 §3.4.1, RFC 6191)'),
      SynAck: to(S.TimeWait, SYNACK_FROM_LATE),
      SynAckRexmit: to(S.TimeWait, SYNACK_FROM_LATE),
      AckOfSyn: to(S.TimeWait, 'an ACK sent in TIME-WAIT changes nothing (RFC 9293 §3.10.7.4)'),
      Ack: to(S.TimeWait, 'it acknowledges the peer’s FIN again (a retransmission reached it); still TIME-WAIT (RFC 9293 §3.10.7.4)'),
      Data: to(S.TimeWait, DATA_AFTER_FIN),
      Fin: to(S.TimeWait, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinAck: to(S.TimeWait, 'a further FIN changes nothing (RFC 9293 §3.10.4)'),
      FinRexmit: to(S.TimeWait, 'it retransmits its FIN; no change (RFC 9293 §3.10.8; when this shows the ACK of its FIN was lost, TIME-WAIT is undone first)'),
      AckOfFin: to(S.TimeWait, 'the last ACK of the close: it acknowledges the peer’s FIN; TIME-WAIT holds for 2·MSL (RFC 9293 §3.6)'),
      Rst: to(S.Closed, 'it answered an unexpected segment with RST and dropped its TIME-WAIT state (Linux tcp_timewait_state_process)'),
      RstAnswer: to(S.TimeWait, RST_ANSWER_SYNC),
      NoAck: odd(S.TimeWait, NO_ACK_SENT),
    },
    received: {
      Syn: to(S.TimeWait, 'a SYN reaching TIME-WAIT: a new ISN opens a new connection (flow stage); otherwise it is answered with an ACK (RFC 9293 §3.10.7.4)'),
      SynRexmit: to(S.TimeWait, SYN_IN_SYNC),
      SynAck: to(S.TimeWait, DUP_SYNACK),
      SynAckBadAck: to(S.TimeWait, DUP_SYNACK),
      AckOfSyn: to(S.TimeWait, 'in TIME-WAIT only a retransmitted FIN is expected; an ACK changes nothing (RFC 9293 §3.10.7.4)'),
      Ack: to(S.TimeWait, 'in TIME-WAIT only a retransmitted FIN is expected; an ACK changes nothing (RFC 9293 §3.10.7.4)'),
      Data: to(S.TimeWait, 'in TIME-WAIT only a retransmitted FIN is expected; data is ignored (RFC 9293 §3.10.7.4, seventh)'),
      Fin: {
        next: S.TimeWait,
        why: 'a retransmitted FIN reached TIME-WAIT: acknowledge it and restart the 2·MSL timer (RFC 9293 §3.10.7.4, eighth)',
        restart2msl: true,
      },
      FinAck: {
        next: S.TimeWait,
        why: 'a retransmitted FIN reached TIME-WAIT: acknowledge it and restart the 2·MSL timer (RFC 9293 §3.10.7.4, eighth)',
        restart2msl: true,
      },
      FinRexmit: {
        next: S.TimeWait,
        why: 'a retransmitted FIN reached TIME-WAIT: acknowledge it and restart the 2·MSL timer (RFC 9293 §3.10.7.4, eighth)',
        restart2msl: true,
      },
      AckOfFin: to(S.TimeWait, 'a repeated ACK of its FIN changes nothing (RFC 9293 §3.10.7.4)'),
      Rst: to(
        S.Closed,
        'an RST at RCV.NXT ends TIME-WAIT early: Linux drops the socket (net.ipv4.tcp_rfc1337=0), though RFC 1337 advises ignoring it (RFC 9293 §3.10.7.4)',
      ),
      RstUnacceptable: to(S.TimeWait, RST_UNACC),
      NoAck: odd(S.TimeWait, NO_ACK_SYNC),
    },
  },
};

// The same cells as Maps, for the per-packet lookup (objects keyed "SYN-SENT" fall into dictionary mode).
const SENT_CELLS = new Map<string, Map<string, Cell>>(Object.entries(TABLE).map(([st, row]) => [st, new Map(Object.entries(row.sent))]));
const RECEIVED_CELLS = new Map<string, Map<string, Cell>>(Object.entries(TABLE).map(([st, row]) => [st, new Map(Object.entries(row.received))]));

/** Looks up one cell: the state after `event` for an endpoint in `state` on the `dir` side of a segment. */
export function step(state: TcpState, dir: 'sent', event: SentEvent): Cell;
export function step(state: TcpState, dir: 'received', event: ReceivedEvent): Cell;
export function step(state: TcpState, dir: Dir, event: SentEvent | ReceivedEvent): Cell {
  return (dir === 'sent' ? SENT_CELLS : RECEIVED_CELLS).get(state)!.get(event)!;
}

/**
 * Received events that a later segment of the *receiver* can show never arrived: when an endpoint
 * retransmits the control segment a received ACK had acknowledged, that ACK was lost (RFC 9293
 * §3.10.8; the capture point saw it, the endpoint did not); an endpoint that sends anything but an
 * RST after an RST it was taken to accept had not taken it (lost, crossing, or not acceptable to
 * it after all: it would have no TCB to send from). machines.ts then undoes the transition the
 * event caused before applying the segment. Keyed by the sent event.
 */
export const SHOWS_LOST: { readonly [E in SentEvent]?: readonly ReceivedEvent[] } = {
  FinRexmit: ['AckOfFin', 'FinAck', 'Rst'],
  SynAckRexmit: ['AckOfSyn', 'SynAck', 'Rst'],
  SynRexmit: ['SynAck', 'Rst'],
  Ack: ['Rst'],
  Data: ['Rst'],
  AckOfSyn: ['Rst'],
  AckOfFin: ['Rst'],
  Fin: ['Rst'],
  FinAck: ['Rst'],
};

/**
 * A connection's transitions while it is tracked, kept as numbers: four per transition in one
 * array of doubles (a serial number, the packet, the time, and a word of bits: side, from, to, what
 * caused it, the basis before it, its code, whether it is in the timeline and in its endpoint's
 * history) and its `why` beside it. A tracker lives through many young-generation collections
 * (thousands of connections are interleaved): an object per transition, its boxed time and the
 * history's triples were a quarter of a live tracker, copied twice and then marked; an array of
 * doubles holds no pointer for the collector to follow. The model's Transition objects are made
 * once, for the record (timelineOf).
 *
 * A transition is named by its serial (0: none), which stays valid while it is kept. It is kept while
 * it is in the timeline (the first MAX_TIMELINE) or among its endpoint's latest HIST_MAX (what
 * undo() can reach); one that is neither is gone, and its serial names nothing (a Pending or an RST
 * that still holds it compares unequal to every live one, as an object no longer listed did).
 */
import type { End, Via } from './endpoint.js';
import { RECEIVED_EVENTS } from './table.js';
import { TcpState, TRANSITION_CODE, type Side, type Transition } from './model.js';

/** Most timeline entries per connection. */
export const MAX_TIMELINE = 256;
/** Most recent transitions an endpoint remembers for undo(). */
export const HIST_MAX = 16;

/** The tracker's fields that hold its transitions. */
export interface TransitionLog {
  /** STRIDE numbers per transition, oldest first (see the offsets below). */
  readonly tl: number[];
  /** Each transition's `why`, in the same order. */
  readonly tlWhy: string[];
  /** The last serial given (serials start at 1). */
  tlSerial: number;
  /** Transitions in the timeline now (at most MAX_TIMELINE), and those that did not fit. */
  tlShown: number;
  timelineDropped: number;
}

const STRIDE = 4;
const SERIAL = 0;
const PACKET = 1;
const TIME = 2;
const BITS = 3;

// The word of bits: side 1, from 4, to 4, via 5, basis before 1, code 1, in the timeline 1, in the history 1.
const SERVER = 1;
const FROM_SHIFT = 1;
const TO_SHIFT = 5;
const VIA_SHIFT = 9;
const INFERRED_BEFORE = 1 << 14;
const TW_REUSED = 1 << 15;
const SHOWN = 1 << 16;
const IN_HIST = 1 << 17;

const STATES: readonly TcpState[] = Object.values(TcpState);
const STATE_INDEX = new Map<TcpState, number>(STATES.map((s, i) => [s, i]));
const VIAS: readonly Via[] = [null, 'assumed', 'evidence', ...RECEIVED_EVENTS];
const VIA_INDEX = new Map<Via, number>(VIAS.map((v, i) => [v, i]));

/**
 * Appends a transition of `E`'s, in its history when `hist` (the machines' moves) and in the
 * timeline while it has room (else counted as dropped when `countDropped`). Returns its serial,
 * or 0 when it is kept nowhere.
 */
export function addTransition(
  x: TransitionLog,
  E: End,
  packet: number,
  time: number,
  from: TcpState,
  to: TcpState,
  why: string,
  via: Via,
  basisBefore: 'observed' | 'inferred',
  hist: boolean,
  countDropped: boolean,
): number {
  let bits =
    (E.name === 'server' ? SERVER : 0) |
    (STATE_INDEX.get(from)! << FROM_SHIFT) |
    (STATE_INDEX.get(to)! << TO_SHIFT) |
    (VIA_INDEX.get(via)! << VIA_SHIFT) |
    (basisBefore === 'inferred' ? INFERRED_BEFORE : 0);
  if (x.tlShown < MAX_TIMELINE) {
    bits |= SHOWN;
    x.tlShown++;
  } else {
    if (countDropped) x.timelineDropped++;
    if (!hist) return 0;
  }
  if (hist) {
    bits |= IN_HIST;
    if (E.histN === HIST_MAX) forgetOldest(x, E);
    else E.histN++;
  }
  const serial = ++x.tlSerial;
  x.tl.push(serial, packet, time, bits);
  x.tlWhy.push(why);
  return serial;
}

/** `E`'s history is full: its oldest transition leaves it (and is gone unless the timeline shows it). */
function forgetOldest(x: TransitionLog, E: End): void {
  const tl = x.tl;
  const side = E.name === 'server' ? SERVER : 0;
  for (let i = 0; i < tl.length; i += STRIDE) {
    const bits = tl[i + BITS]!;
    if ((bits & SERVER) !== side || !(bits & IN_HIST)) continue;
    if (bits & SHOWN) tl[i + BITS] = bits & ~IN_HIST;
    else remove(x, i);
    return;
  }
}

function remove(x: TransitionLog, i: number): void {
  x.tl.splice(i, STRIDE);
  x.tlWhy.splice(i / STRIDE, 1);
}

/** Where transition `serial` is in `tl` (-1: not kept). Recent ones are looked up most. */
function indexOf(x: TransitionLog, serial: number): number {
  if (serial === 0) return -1;
  const tl = x.tl;
  for (let i = tl.length - STRIDE; i >= 0; i -= STRIDE) if (tl[i + SERIAL] === serial) return i;
  return -1;
}

/** Where `E`'s latest transition still in its history is (-1: none). */
function lastIndex(x: TransitionLog, E: End): number {
  if (E.histN === 0) return -1;
  const tl = x.tl;
  const side = E.name === 'server' ? SERVER : 0;
  for (let i = tl.length - STRIDE; i >= 0; i -= STRIDE) {
    const bits = tl[i + BITS]!;
    if ((bits & SERVER) === side && bits & IN_HIST) return i;
  }
  return -1;
}

/** `E`'s latest transition (its serial; 0: none). */
export function lastTr(x: TransitionLog, E: End): number {
  const i = lastIndex(x, E);
  return i < 0 ? 0 : x.tl[i + SERIAL]!;
}

/** What caused `E`'s latest transition (undefined when none). */
export function lastVia(x: TransitionLog, E: End): Via | undefined {
  const i = lastIndex(x, E);
  return i < 0 ? undefined : VIAS[(x.tl[i + BITS]! >> VIA_SHIFT) & 31];
}

/** `E`'s state basis before its latest transition. */
export function lastBasisBefore(x: TransitionLog, E: End): 'observed' | 'inferred' {
  const i = lastIndex(x, E);
  return i >= 0 && x.tl[i + BITS]! & INFERRED_BEFORE ? 'inferred' : 'observed';
}

/** Removes `E`'s latest transition (undo); returns its serial, packet and from-state, or null when none. */
export function popTransition(
  x: TransitionLog,
  E: End,
  out: { serial: number; packet: number; from: TcpState; via: Via; basisBefore: 'observed' | 'inferred' },
): boolean {
  const i = lastIndex(x, E);
  if (i < 0) return false;
  const tl = x.tl;
  const bits = tl[i + BITS]!;
  out.serial = tl[i + SERIAL]!;
  out.packet = tl[i + PACKET]!;
  out.from = STATES[(bits >> FROM_SHIFT) & 15]!;
  out.via = VIAS[(bits >> VIA_SHIFT) & 31]!;
  out.basisBefore = bits & INFERRED_BEFORE ? 'inferred' : 'observed';
  if (bits & SHOWN) x.tlShown--;
  E.histN--;
  remove(x, i);
  return true;
}

/** Transition `serial`'s packet (-1 when it is not kept). */
export function trPacket(x: TransitionLog, serial: number): number {
  const i = indexOf(x, serial);
  return i < 0 ? -1 : x.tl[i + PACKET]!;
}

/** Transition `serial`'s states (it must be kept). */
export function trFrom(x: TransitionLog, serial: number): TcpState {
  return STATES[(x.tl[indexOf(x, serial) + BITS]! >> FROM_SHIFT) & 15]!;
}
export function trTo(x: TransitionLog, serial: number): TcpState {
  return STATES[(x.tl[indexOf(x, serial) + BITS]! >> TO_SHIFT) & 15]!;
}

/** Rewrites transition `serial`'s `why` (nothing when it is not kept). */
export function setWhy(x: TransitionLog, serial: number, why: string): void {
  const i = indexOf(x, serial);
  if (i >= 0) x.tlWhy[i / STRIDE] = why;
}

/** Re-dates transition `serial` (kept): a later copy of its segment is the one that arrived. */
export function redate(x: TransitionLog, serial: number, packet: number, time: number, why: string): void {
  const i = indexOf(x, serial);
  x.tl[i + PACKET] = packet;
  x.tl[i + TIME] = time;
  x.tlWhy[i / STRIDE] = why;
}

/** Marks transition `serial` as ended by port reuse (TRANSITION_CODE.timeWaitReused). */
export function setTimeWaitReused(x: TransitionLog, serial: number): void {
  const i = indexOf(x, serial);
  if (i >= 0) x.tl[i + BITS] = x.tl[i + BITS]! | TW_REUSED;
}

const TIME_WAIT = STATE_INDEX.get(TcpState.TimeWait)!;
const CLOSE_WAIT = STATE_INDEX.get(TcpState.CloseWait)!;

/** Whether a transition (its word of bits) enters or leaves TIME-WAIT, or enters CLOSE-WAIT. */
function waits(bits: number): boolean {
  const from = (bits >> FROM_SHIFT) & 15;
  const to = (bits >> TO_SHIFT) & 15;
  return from === TIME_WAIT || to === TIME_WAIT || to === CLOSE_WAIT;
}

/**
 * The timeline as the model's Transition objects (new ones on every call). `waitsOnly`: only the
 * transitions into or out of TIME-WAIT and into CLOSE-WAIT, in order: all that the diagnostics
 * read of a timeline (a lean record, record.ts).
 */
export function timelineOf(x: TransitionLog, waitsOnly = false): Transition[] {
  const tl = x.tl;
  const out: Transition[] = waitsOnly ? [] : new Array(x.tlShown);
  let k = 0;
  for (let i = 0; i < tl.length; i += STRIDE) {
    const bits = tl[i + BITS]!;
    if (!(bits & SHOWN)) continue;
    if (waitsOnly && !waits(bits)) continue;
    out[k++] = {
      packet: tl[i + PACKET]!,
      time: tl[i + TIME]!,
      side: bits & SERVER ? 'server' : ('client' as Side),
      from: STATES[(bits >> FROM_SHIFT) & 15]!,
      to: STATES[(bits >> TO_SHIFT) & 15]!,
      why: x.tlWhy[i / STRIDE]!,
      code: bits & TW_REUSED ? TRANSITION_CODE.timeWaitReused : null,
    };
  }
  return out;
}

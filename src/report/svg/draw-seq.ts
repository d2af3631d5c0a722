/**
 * The time-sequence graph of one direction, as Stevens drew them and C tcptrace/xplot and
 * Wireshark's "Stevens"/"tcptrace" graphs do: each data segment a vertical bar from its first to
 * its last sequence number at the time it was sent (retransmissions and out-of-order segments in
 * their own colour, and lettered R and O as tcptrace does), the receiver's cumulative ACK as a
 * step line, the right edge of its receive window (ACK + window) as another, its SACK blocks as
 * short bars, and each side's phase (opening, established, closing, TIME-WAIT) as a band on top.
 * Pure: (picture, words) → SVG text. Runs in Node and in the page (see svg.ts).
 */
import type { Messages } from '../messages.js';
import type { SeqPicture } from './picture.js';
import { COLOR, n2, svgDocument, text, textWidth, tickLabel, ticks, title } from './svg.js';

type Words = Messages['picture'];

const W = 980;
const H = 600;
const L = 96;
const R = 24;
const T = 92;
const B = 86;
/** Data bars with a hover title each, at most (a title per bar makes big graphs heavy). */
const TITLED_MAX = 3000;

/** The graph of one direction as an SVG document. */
export function drawSeq(pic: SeqPicture, w: Words): string {
  let p = pic;
  const parts: string[] = [];
  const t1 = p.t1 > 0 ? p.t1 : 0.001;
  let lo = Infinity;
  let hi = -Infinity;
  const see = (v: number) => {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (let i = 0; i < p.data.length; i += 4) {
    see(p.data[i + 1]!);
    see(p.data[i + 2]!);
  }
  for (let i = 0; i < p.acks.length; i += 2) see(p.acks[i + 1]!);
  for (let i = 0; i < p.sack.length; i += 3) see(p.sack[i + 2]!);
  if (!(hi > lo)) {
    lo = lo === Infinity ? 0 : lo;
    hi = lo === -Infinity ? 1 : Math.max(hi, lo + 1);
  }
  // The window edge is drawn as far as half the data's span above it: a 64 KB window over 2 KB
  // of data would squash the data flat. What goes above is clipped, and a note says how far.
  let winMax = -Infinity;
  for (let i = 0; i < p.win.length; i += 2) winMax = Math.max(winMax, p.win[i + 1]!);
  const roof = hi + (hi - lo) * 0.5;
  const clipped = winMax > roof;
  hi = clipped ? roof : Math.max(hi, winMax);
  const pw = W - L - R;
  const ph = H - T - B;
  const x = (t: number) => L + (t / t1) * pw;
  const y = (s: number) => T + ph - ((s - lo) / (hi - lo)) * ph;

  parts.push(text(12, 22, `${w.seqTitle}: ${p.title}`, 'font-size="15" font-weight="bold"'));
  // Phase bands, sender first.
  const names = [w.opening, w.established, w.closing, w.timeWait];
  for (let k = 0; k < 2; k++) {
    const by = 36 + k * 18;
    parts.push(text(L - 8, by + 11, p.sides[k]!, `text-anchor="end" fill="${COLOR.muted}"`));
    parts.push(`<rect x="${L}" y="${by}" width="${pw}" height="13" fill="none" stroke="${COLOR.grid}"/>`);
    const ph2 = p.phases[k]!;
    for (let i = 0; i < ph2.length; i += 3) {
      const x0 = x(ph2[i]!);
      const x1 = Math.max(x0 + 1, x(ph2[i + 1]!));
      const phase = ph2[i + 2]!;
      parts.push(
        `<rect class="phase" x="${n2(x0)}" y="${by}" width="${n2(x1 - x0)}" height="13" fill="${COLOR.phase[phase]}" fill-opacity="0.55">${title(`${p.sides[k]}: ${names[phase]}`)}</rect>`,
      );
    }
  }
  // Axes and grid.
  const tt = ticks(0, t1, 8);
  const tStep = tt.length > 1 ? tt[1]! - tt[0]! : t1;
  for (const v of tt) {
    parts.push(`<line x1="${n2(x(v))}" y1="${T}" x2="${n2(x(v))}" y2="${T + ph}" stroke="${COLOR.grid}"/>`);
    parts.push(text(x(v), T + ph + 16, tickLabel(v, tStep), 'text-anchor="middle"'));
  }
  const st = ticks(lo, hi, 8);
  const sStep = st.length > 1 ? st[1]! - st[0]! : 1;
  for (const v of st) {
    parts.push(`<line x1="${L}" y1="${n2(y(v))}" x2="${L + pw}" y2="${n2(y(v))}" stroke="${COLOR.grid}"/>`);
    parts.push(text(L - 6, y(v) + 4, tickLabel(v, sStep), 'text-anchor="end"'));
  }
  parts.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="${COLOR.ink}"/>`);
  parts.push(text(L + pw / 2, T + ph + 36, w.timeAxis, 'text-anchor="middle"'));
  parts.push(text(16, T + ph / 2, w.seqAxis, `text-anchor="middle" transform="rotate(-90 16 ${n2(T + ph / 2)})"`));

  // Window edge and ACK as step lines.
  const step = (series: number[], colour: string, cls: string, dash: string) => {
    if (series.length === 0) return;
    let d = `M${n2(x(series[0]!))} ${n2(y(series[1]!))}`;
    for (let i = 2; i < series.length; i += 2) d += `H${n2(x(series[i]!))}V${n2(y(series[i + 1]!))}`;
    d += `H${n2(x(t1))}`;
    parts.push(`<path class="${cls}" d="${d}" fill="none" stroke="${colour}" stroke-width="1.4"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
  };
  parts.push(`<clipPath id="plot"><rect x="${L}" y="${T}" width="${pw}" height="${ph}"/></clipPath>`);
  parts.push('<g clip-path="url(#plot)">');
  step(p.win, COLOR.window, 'window', '5 3');
  parts.push('</g>');
  if (clipped) p = { ...p, notes: [...p.notes, w.windowAbove.replace('{n}', tickLabel(winMax, 1))] };
  step(p.acks, COLOR.ack, 'ack', '');
  // SACK blocks: short bars just right of the ACK that carried them.
  for (let i = 0; i < p.sack.length; i += 3) {
    const sx = x(p.sack[i]!) + 2;
    parts.push(
      `<line class="sack" x1="${n2(sx)}" y1="${n2(y(p.sack[i + 1]!))}" x2="${n2(sx)}" y2="${n2(y(p.sack[i + 2]!))}" stroke="${COLOR.sack}" stroke-width="3"/>`,
    );
  }
  // Data bars (I-beams) with letters for retransmissions (R) and out-of-order segments (O).
  const colours = [COLOR.data, COLOR.retrans, COLOR.ooo, COLOR.probe, COLOR.synFin];
  const kinds = [w.data, w.retransmission, w.outOfOrder, w.probe, w.synFin];
  const titled = p.data.length / 4 <= TITLED_MAX;
  for (let i = 0, j = 0; i < p.data.length; i += 4, j++) {
    const bx = n2(x(p.data[i]!));
    const y0 = y(p.data[i + 1]!);
    const y1 = Math.min(y0 - 1, y(p.data[i + 2]!));
    const kind = p.data[i + 3]!;
    const c = colours[kind]!;
    const hover = titled ? title(`#${p.pkts[j]} +${p.data[i]!.toFixed(6)} s · ${kinds[kind]} · ${p.data[i + 1]}–${p.data[i + 2]}`) : '';
    let g = `<path class="d${kind}" d="M${bx} ${n2(y0)}V${n2(y1)}M${n2(+bx - 2)} ${n2(y0)}h4M${n2(+bx - 2)} ${n2(y1)}h4" stroke="${c}" stroke-width="1.4" fill="none">${hover}</path>`;
    if (kind === 1 || kind === 2) g += text(+bx, y1 - 3, kind === 1 ? 'R' : 'O', `text-anchor="middle" font-size="10" font-weight="bold" fill="${c}"`);
    parts.push(g);
  }
  // Legend, in two rows under the axis title.
  const legend: Array<[string, string, string]> = [
    [w.data, COLOR.data, ''],
    [`${w.retransmission} (R)`, COLOR.retrans, ''],
    [`${w.outOfOrder} (O)`, COLOR.ooo, ''],
    [w.probe, COLOR.probe, ''],
    [w.synFin, COLOR.synFin, ''],
    [w.ack, COLOR.ack, ''],
    [w.window, COLOR.window, '5 3'],
    [w.sack, COLOR.sack, ''],
  ];
  let lx = L;
  let ly = H - 30;
  for (const [label, colour, dash] of legend) {
    const width = 26 + textWidth(label);
    if (lx + width > W - R) {
      lx = L;
      ly += 16;
    }
    parts.push(
      `<line x1="${n2(lx)}" y1="${ly - 4}" x2="${n2(lx + 16)}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
    parts.push(text(lx + 20, ly, label, 'font-size="11"'));
    lx += width + 10;
  }
  let px = L + pw;
  for (let k = names.length - 1; k >= 0; k--) {
    const label = names[k]!;
    px -= 20 + textWidth(label);
    parts.push(`<rect x="${n2(px)}" y="${T - 26}" width="12" height="10" fill="${COLOR.phase[k]}" fill-opacity="0.55"/>`);
    parts.push(text(px + 15, T - 17, label, 'font-size="11"'));
  }
  for (let k = 0; k < p.notes.length; k++) parts.push(text(L, T + 16 + k * 14, p.notes[k]!, `fill="${COLOR.muted}" font-size="11"`));
  return svgDocument(W, H, `${w.seqTitle}: ${p.title}`, parts.join(''));
}

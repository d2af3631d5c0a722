/**
 * The ladder as an SVG sequence diagram, like the figures of TCP textbooks: two lifelines, each
 * side's state written beside its lifeline where it changes, one arrow per segment with its flags
 * and relative seq/ack above it, its checks and notes under it, and the explanation on hover.
 * Pure: (picture, words) → SVG text. Runs in Node and in the page (see svg.ts).
 */
import type { Messages } from '../messages.js';
import type { LadderPicture, LadderRow } from './picture.js';
import { COLOR, svgDocument, text, title } from './svg.js';

type Words = Messages['picture'];

const W = 980;
const LEFT = 260;
const RIGHT = 760;
const LINE = 15;
const MONO = 'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace"';

/** The sub-lines written under an arrow, with their colour. */
function subLines(r: Extract<LadderRow, { k: 's' }>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (r.info) out.push([r.info, COLOR.muted]);
  if (r.warn) out.push([r.warn, COLOR.warn]);
  if (r.ok.length > 0) out.push([r.ok.join('   '), COLOR.ok]);
  for (const b of r.bad) out.push([b, COLOR.bad]);
  return out;
}

/** The ladder of one connection as an SVG document. */
export function drawLadder(p: LadderPicture, w: Words): string {
  const parts: string[] = [];
  let y = 24;
  parts.push(text(12, y, p.title, 'font-size="15" font-weight="bold"'));
  y += 18;
  parts.push(text(12, y, p.sub, `fill="${COLOR.muted}"`));
  y += 30;
  parts.push(text(LEFT, y, p.sides[0], `text-anchor="middle" font-weight="bold" fill="${COLOR.client}"`));
  parts.push(text(RIGHT, y, p.sides[1], `text-anchor="middle" font-weight="bold" fill="${COLOR.server}"`));
  y += 20;
  const top = y;
  parts.push(text(LEFT - 8, y, p.start[0], `text-anchor="end" ${MONO} font-weight="bold"`));
  parts.push(text(RIGHT + 8, y, p.start[1], `${MONO} font-weight="bold"`));
  parts.push(text(12, y, w.time, `fill="${COLOR.muted}" ${MONO}`));
  y += 18;
  for (const r of p.rows) {
    if (r.k === 'f') {
      const arrow = r.dir === 0 ? '──► ' : r.dir === 1 ? '◄── ' : '';
      parts.push(`<g class="fold">${text((LEFT + RIGHT) / 2, y + 2, arrow + r.text, `text-anchor="middle" fill="${COLOR.muted}" font-style="italic"`)}</g>`);
      y += 30;
      continue;
    }
    const subs = subLines(r);
    const drop = 14;
    const from = r.dir === 0 ? LEFT : RIGHT;
    const to = r.dir === 0 ? RIGHT : LEFT;
    const colour = r.dir === 0 ? COLOR.client : COLOR.server;
    const head = r.dir === 0 ? -9 : 9;
    const g: string[] = [title(r.hover)];
    g.push(text(12, y + 4, `${r.p}`, `${MONO} fill="${COLOR.muted}"`));
    g.push(text(56, y + 4, r.t, `${MONO} fill="${COLOR.muted}"`));
    if (r.c) g.push(text(LEFT - 8, y + drop + 4, r.c, `text-anchor="end" ${MONO} font-weight="bold"`));
    if (r.s) g.push(text(RIGHT + 8, y + drop + 4, r.s, `${MONO} font-weight="bold"`));
    g.push(text((LEFT + RIGHT) / 2, y - 2, r.label, `text-anchor="middle" ${MONO} fill="${colour}"`));
    g.push(`<line x1="${from}" y1="${y + 2}" x2="${to}" y2="${y + 2 + drop}" stroke="${colour}" stroke-width="1.6"/>`);
    g.push(`<path d="M${to} ${y + 2 + drop} l${head} -7 l0 8 z" fill="${colour}"/>`);
    let sy = y + drop + 18;
    for (const [line, fill] of subs) {
      g.push(text(LEFT + 14, sy, line, `fill="${fill}" font-size="11"`));
      sy += LINE;
    }
    parts.push(`<g class="seg" data-packet="${r.p}">${g.join('')}</g>`);
    y = sy + 10;
  }
  parts.push(text(LEFT - 8, y + 6, p.end[0], `text-anchor="end" ${MONO} font-weight="bold"`));
  parts.push(text(RIGHT + 8, y + 6, p.end[1], `${MONO} font-weight="bold"`));
  parts.push(text((LEFT + RIGHT) / 2, y + 6, p.endText, `text-anchor="middle" fill="${COLOR.muted}"`));
  const bottom = y - 6;
  // Lifelines under everything else.
  const lines =
    `<line x1="${LEFT}" y1="${top + 6}" x2="${LEFT}" y2="${bottom}" stroke="${COLOR.ink}" stroke-width="1.2"/>` +
    `<line x1="${RIGHT}" y1="${top + 6}" x2="${RIGHT}" y2="${bottom}" stroke="${COLOR.ink}" stroke-width="1.2"/>`;
  y += 22;
  if (p.note) {
    parts.push(text(12, y, p.note, `fill="${COLOR.muted}"`));
    y += 18;
  }
  return svgDocument(W, y + 8, `${w.ladderTitle} ${p.title}`, lines + parts.join(''));
}

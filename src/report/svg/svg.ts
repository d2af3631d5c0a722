/**
 * SVG helpers the drawing functions share. This file, draw-ladder.ts and draw-seq.ts also run in
 * the HTML page's script (html/script.ts bundles their compiled JavaScript): they import only from
 * each other, by name, and use nothing of Node's.
 */

/** Okabe & Ito's colour-blind-safe palette (2008), by what it marks here. */
export const COLOR = {
  ink: '#000000',
  client: '#0072B2',
  server: '#CC79A7',
  ok: '#009E73',
  bad: '#D55E00',
  warn: '#D55E00',
  data: '#0072B2',
  retrans: '#D55E00',
  ooo: '#CC79A7',
  probe: '#999999',
  synFin: '#000000',
  ack: '#009E73',
  window: '#E69F00',
  sack: '#56B4E9',
  phase: ['#56B4E9', '#009E73', '#E69F00', '#CC79A7'],
  grid: '#dddddd',
  muted: '#555555',
} as const;

/** Text for XML: the five characters that matter, and C0 controls (never valid in XML 1.0) as U+FFFD. */
export function xml(text: string): string {
  return text.replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (ch) =>
    ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '"' ? '&quot;' : ch === "'" ? '&#39;' : '\ufffd',
  );
}

/** A coordinate with at most two decimals. */
export function n2(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** `<text>` at (x, y); `attrs` are extra attributes, already formatted. */
export function text(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${n2(x)}" y="${n2(y)}"${attrs ? ` ${attrs}` : ''}>${xml(body)}</text>`;
}

/** `<title>` for the hover: the explanation of what it is attached to. */
export function title(body: string): string {
  return `<title>${xml(body)}</title>`;
}

/** The document around the drawing: a white background, fonts, and a name and description. */
export function svgDocument(width: number, height: number, name: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n2(width)}" height="${n2(height)}" viewBox="0 0 ${n2(width)} ${n2(height)}" role="img" font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="12">` +
    `<title>${xml(name)}</title>` +
    `<rect width="100%" height="100%" fill="#ffffff"/>` +
    `${body}</svg>\n`
  );
}

/** About `count` round tick values from `lo` to `hi` (1, 2 or 5 times a power of ten apart). */
export function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

/** A tick's label: integers with thin grouping, fractions with only the digits the step needs. */
export function tickLabel(v: number, step: number): string {
  if (Number.isInteger(step) && Math.abs(v) >= 1) return Math.round(v).toLocaleString('en-US');
  const digits = Math.max(0, Math.min(9, -Math.floor(Math.log10(step > 0 ? step : 1))));
  return v.toFixed(digits);
}

/** About how wide `body` is at 11–12 px: CJK characters are twice a Latin one. */
export function textWidth(body: string, perChar = 6.6): number {
  let w = 0;
  for (const ch of body) w += ch.codePointAt(0)! >= 0x2e80 ? perChar * 1.9 : perChar;
  return w;
}

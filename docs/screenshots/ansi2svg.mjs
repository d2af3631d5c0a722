// Regenerate: FORCE_COLOR=1 node bin/tcptrace.js fixtures/half-close.pcap > docs/screenshots/half-close.ansi
//             node docs/screenshots/ansi2svg.mjs docs/screenshots/half-close.ansi docs/screenshots/half-close.svg "tcptrace fixtures/half-close.pcap"
// ANSI (SGR colours as chalk writes them) -> SVG, for the README's picture of a coloured terminal.
import { readFileSync, writeFileSync } from 'node:fs';
const [, , input, output, title = 'tcptrace'] = process.argv;
const text = readFileSync(input, 'utf8').replace(/\n$/, '');
const COLORS = { 30: '#3b4252', 31: '#e06c75', 32: '#98c379', 33: '#e5c07b', 34: '#61afef', 35: '#c678dd', 36: '#56b6c2', 37: '#dcdfe4', 90: '#7f848e' };
const FG = '#dcdfe4', BG = '#1e2127';
const CW = 8.43, LH = 18, PAD = 16, FS = 14;
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
let cols = 0;
const lines = text.split('\n').map((line) => {
  const st = { fg: null, bold: false, dim: false };
  const spans = [];
  let col = 0;
  for (const part of line.split(/(\u001b\[[0-9;]*m)/)) {
    const m = /^\u001b\[([0-9;]*)m$/.exec(part);
    if (m) {
      for (const c of m[1].split(';').map(Number)) {
        if (c === 0) Object.assign(st, { fg: null, bold: false, dim: false });
        else if (c === 1) st.bold = true;
        else if (c === 2) st.dim = true;
        else if (c === 22) { st.bold = false; st.dim = false; }
        else if (c === 39) st.fg = null;
        else if (COLORS[c]) st.fg = COLORS[c];
      }
      continue;
    }
    if (!part) continue;
    spans.push({ x: col, text: part, ...st });
    col += [...part].length;
  }
  cols = Math.max(cols, col);
  return spans;
});
const W = Math.ceil(cols * CW + 2 * PAD), H = lines.length * LH + 2 * PAD + 24;
let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">\n`;
out += `<title>${esc(title)}</title>\n<rect width="100%" height="100%" rx="8" fill="${BG}"/>\n`;
out += `<circle cx="20" cy="16" r="5" fill="#e06c75"/><circle cx="36" cy="16" r="5" fill="#e5c07b"/><circle cx="52" cy="16" r="5" fill="#98c379"/>\n`;
out += `<g font-family="'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="${FS}" xml:space="preserve">\n`;
lines.forEach((spans, i) => {
  const y = PAD + 24 + i * LH + FS * 0.8;
  for (const s of spans) {
    const attrs = [`x="${(PAD + s.x * CW).toFixed(1)}"`, `y="${y.toFixed(1)}"`, `textLength="${([...s.text].length * CW).toFixed(1)}"`, `fill="${s.fg ?? FG}"`];
    if (s.bold) attrs.push('font-weight="bold"');
    if (s.dim) attrs.push('opacity="0.6"');
    out += `<text ${attrs.join(' ')}>${esc(s.text)}</text>\n`;
  }
});
out += '</g>\n</svg>\n';
writeFileSync(output, out);

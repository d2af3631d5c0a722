/**
 * `--html FILE`: one self-contained page (no network: no external script, style, font or image).
 * It is written as the trace goes, in pieces, so memory stays bounded whatever the capture's size:
 *
 *   head (style, words, the drawing code, the page's script)
 *   rows blocks      one gzip+base64 JSON array of table rows per block of connections
 *   pictures blocks  one gzip+base64 JSON object {id: Pictures} per block, decoded only when a
 *                    connection in it is opened (DecompressionStream, built into browsers)
 *   summaries        each input's summary and diagnostics, as text
 *   tail
 *
 * The page's script reads the rows blocks into one array, sorts, filters and pages it (200 rows
 * drawn at a time, so 100,000 connections stay usable), and draws a connection's ladder and
 * time-sequence graphs when its row is opened. The pieces here are pure strings; compressing
 * them is the CLI's part (cli/html-output.ts).
 */
import type { Lang, Messages } from '../messages.js';
import { drawingScript } from './bundle.js';
import { PAGE_SCRIPT } from './page-script.js';

/** A row of the table: [input, id, client, server, client state, server state, open, close, rtt ms, bytes, retransmitted bytes, zeek, failed checks]. */
export type TableRow = [number, number, string, string, string, string, string, string, number | null, number, number, string, number];

/** Text inside an element: &, < and > escaped. */
function html(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** JSON inside a <script> element: nothing in it may close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:0;color:#000;background:#fff;display:flex;flex-direction:column}
header{order:-2;padding:12px 16px;border-bottom:1px solid #ccc}
h1{font-size:18px;margin:0 0 4px}
h2{font-size:16px;margin:16px 16px 8px}
#summary{order:-1}
#summary pre{margin:0 16px;padding:8px;background:#f6f6f6;overflow:auto;font-size:12px}
#table{padding:0 16px 24px}
#controls{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:8px 0}
#filter{width:36em;max-width:100%;font-size:14px;padding:3px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #e4e4e4;padding:3px 6px;text-align:left;white-space:nowrap}
th button{font:inherit;font-weight:bold;background:none;border:0;cursor:pointer;padding:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.conn{cursor:pointer}
tr.conn:hover{background:#eef5fb}
tr.detail td{white-space:normal;background:#fafafa}
.fig{font-size:12px;margin:4px 0}
.pics svg{max-width:100%;height:auto;display:block;margin:8px 0;border:1px solid #ddd}
.bad{color:#D55E00}
footer{padding:8px 16px;color:#555;font-size:12px}
`;

/** The page up to the first data block. */
export function htmlHead(lang: Lang, m: Messages, title: string, limitSegments: number): string {
  const P = m.picture;
  const words = { ...P, openKind: m.openKind, closeKind: m.closeKind };
  return (
    `<!DOCTYPE html>\n<html lang="${lang === 'zh' ? 'zh-Hans' : 'en'}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>tcptrace · ${html(title)}</title><style>${STYLE}</style>` +
    `<script type="application/json" id="words">${scriptJson(words)}</script>` +
    `<script>${drawingScript()}</script></head><body>\n` +
    `<header><h1>tcptrace · ${html(title)}</h1><div>${html(P.limit.replace('{n}', limitSegments.toLocaleString('en-US')))}</div></header>\n` +
    `<section id="table"><h2>${html(P.connections)}</h2><div id="controls"><label>${html(P.filter)} <input id="filter" type="search" placeholder="${html(P.filterHint)}"></label>` +
    `<button id="prev" type="button">◄</button><span id="count"></span><button id="next" type="button">►</button></div>` +
    `<table><thead><tr id="head"></tr></thead><tbody id="rows"></tbody></table></section>\n` +
    `<section id="summary"><h2>${html(P.summary)}</h2>`
  );
}

/** One block of table rows (already compressed and base64-encoded). */
export function htmlRows(payload: string): string {
  return `<script type="application/x-tcptrace-rows" class="rows">${payload}</script>\n`;
}

/** One block of pictures of input `input`, connections `first` … `last` (compressed, base64). */
export function htmlPictures(input: number, first: number, last: number, payload: string): string {
  return `<script type="application/x-tcptrace-pictures" class="pics" data-input="${input}" data-first="${first}" data-last="${last}">${payload}</script>\n`;
}

/** One input's summary and diagnostics, as the text output writes them. */
export function htmlSummary(text: string): string {
  return `<pre>${html(text)}</pre>\n`;
}

/** The end of the page: the script that builds the table. */
export function htmlTail(): string {
  return `</section>\n<footer>tcptrace</footer>\n<script>${PAGE_SCRIPT}</script>\n</body></html>\n`;
}

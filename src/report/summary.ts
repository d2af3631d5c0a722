/**
 * The summary table printed after the ladders (and alone with `--summary`): connections by
 * opening and closing kind, final states of each side, Zeek conn_state codes, failed checks,
 * anomaly counts, skipped frames, input warnings, and the diagnostics' findings.
 *
 * It prints the model's `summary` as it is; the only counting done here (conn_state codes, total
 * checks) is tallying fields of the records for display.
 */
import type { Report } from '../diagnose/types.js';
import type { FlagCounts, TcpState } from '../tcp/model.js';
import { summaryTotals } from '../tcp/summary.js';
import { explainSummary } from './explain.js';
import { findingText } from './findings.js';
import { displayWidth, esc, int, padEnd, wrap } from './format.js';
import { inputName, messages } from './messages.js';
import { makeStyle } from './style.js';
import type { TextOptions } from './text.js';

/** "a 3 · b 1", most frequent first, ties in first-seen order. */
function tally(entries: Array<[string, number]>): string {
  return entries
    .filter(([, n]) => n > 0)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e[1] - a.e[1] || a.i - b.i)
    .map(({ e }) => `${e[0]} ${int(e[1])}`)
    .join(' · ');
}

/** The summary table for one input. */
export function renderSummary(report: Report, opts: TextOptions): string {
  const m = messages(opts.lang);
  const ms = m.summary;
  const st = makeStyle(opts.color);
  const s = report.summary;
  const rows: Array<[string, string[]]> = [];
  const none = st.dim(m.none);

  let conns = int(s.connections);
  if (opts.totalConnections !== undefined && opts.totalConnections !== s.connections) {
    conns += `  ${st.dim(`(${ms.filtered(s.connections, opts.totalConnections)})`)}`;
  }
  rows.push([ms.connections, [conns]]);
  rows.push([ms.opening, [tally(Object.entries(s.byOpen).map(([k, n]) => [m.openKind[k as keyof typeof m.openKind] ?? esc(k), n ?? 0])) || none]]);
  rows.push([ms.closing, [tally(Object.entries(s.byClose).map(([k, n]) => [m.closeKind[k as keyof typeof m.closeKind] ?? esc(k), n ?? 0])) || none]]);
  const totals = report.totals ?? summaryTotals(report.connections);
  const sideW = Math.max(displayWidth(m.side.client), displayWidth(m.side.server));
  // A state that was not observed carries the ladder's mark (* inferred, ? never seen), counted apart.
  let marked = false;
  const states = (side: 'client' | 'server') => {
    const basis = totals.finalBasis?.[side] ?? {};
    const entries: Array<[string, number]> = [];
    for (const [k, n] of Object.entries(s.finalStates[side]) as Array<[TcpState, number | undefined]>) {
      const [inferred, unseen] = basis[k] ?? [0, 0];
      const total = n ?? 0;
      entries.push([st.state(esc(k)), total - inferred - unseen]);
      if (inferred > 0) entries.push([st.state(`${esc(k)}*`), inferred]);
      if (unseen > 0) entries.push([st.state(`${esc(k)}?`), unseen]);
      if (inferred + unseen > 0) marked = true;
    }
    return `${padEnd(m.side[side], sideW)}  ${tally(entries) || none}`;
  };
  const finalRows = [states('client'), states('server')];
  if (marked) finalRows.push(`${' '.repeat(sideW)}  ${st.dim(ms.basisLegend)}`);
  rows.push([ms.finalStates, finalRows]);
  if (s.connections > 0 && totals.zeek.length > 0) rows.push([ms.zeek, [tally(totals.zeek.map(([k, n]) => [esc(k), n]))]]);
  const total = totals.checks;
  const failed = ms.checksOf(s.checksFailed, total);
  rows.push([ms.checksFailed, [s.checksFailed > 0 ? st.bad(failed) : st.ok(failed)]]);
  const anomalies = tally((Object.entries(s.anomalies) as Array<[keyof FlagCounts, number | undefined]>).map(([k, n]) => [m.anomaly[k] ?? esc(k), n ?? 0]));
  rows.push([ms.anomalies, [anomalies ? st.warn(anomalies) : none]]);
  const skipped = tally(Object.entries(report.input.skipped).map(([k, n]) => [esc(k), n]));
  if (skipped) rows.push([ms.skipped, [skipped]]);
  if (report.input.warnings.length > 0) rows.push([ms.warnings, report.input.warnings.map((w) => st.warn(esc(w)))]);
  if (s.tableFull) {
    const t = s.tableFull;
    rows.push([ms.tableFull, [st.warn(ms.tableFullText(int(t.cap), int(t.evicted ?? 0), int(t.dropped)))]]);
  }
  const findings = report.diagnostics?.findings ?? [];
  const labelW = Math.max(...rows.map(([l]) => displayWidth(l)), findings.length > 0 ? displayWidth(ms.diagnostics) : 0);
  // What the values may take: the width (terminal, pipe 80, --width) less the label column; 0 no limit.
  const width = opts.width ?? 0;
  const avail = width > 0 ? Math.max(30, width - labelW - 4) : 0;
  if (findings.length > 0) {
    rows.push([
      ms.diagnostics,
      findings.flatMap((f) => {
        const mark = f.severity === 'warning' ? st.warn('!') : st.dim('i');
        // The message names its subject already ("198.18.0.2:80 refused 3 connections ...").
        const head = `${mark} ${st.dim(`[${esc(f.code)}]`)} `;
        const text = esc(findingText(f, report, opts.lang));
        if (avail === 0) {
          return wrap(text, 88).map((l, i) => (i === 0 ? head + l : `    ${l}`));
        }
        return wrap(head + text, avail - 4).map((l, i) => (i === 0 ? l : `    ${l}`));
      }),
    ]);
  }

  const out: string[] = [st.head(ms.title(inputName(report.input.path, m)))];
  for (const [label, values] of rows) {
    for (const [i, v] of values.entries()) {
      // Values that do not fit (a long tally, a warning) continue under themselves.
      const parts = avail > 0 && displayWidth(v) > avail ? wrap(v, avail - 2).map((t, j) => (j === 0 ? t : `  ${t}`)) : [v];
      parts.forEach((p, j) => out.push(`  ${padEnd(i === 0 && j === 0 ? label : '', labelW)}  ${p}`.trimEnd()));
    }
  }
  if (opts.explain) {
    for (const e of explainSummary(report, m)) {
      out.push('');
      wrap(e, width > 0 ? Math.min(96, width - 4) : 96).forEach((t, i) => out.push(st.dim(`  ${i === 0 ? '↳ ' : '  '}${t}`)));
    }
  }
  return out.join('\n') + '\n';
}

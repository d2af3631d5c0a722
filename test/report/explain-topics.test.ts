/**
 * Issue 15's explanations: the keep-alive timer, what a third segment adds (and that it may carry
 * data), and an unanswered SYN described by the retransmission gaps the capture shows (this
 * kernel's 1 s linear retries, fixtures/README.md), not a textbook 1-2-4 s; in both languages.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { renderText, TEXT_DEFAULTS } from '../../src/report/text.js';
import { trace } from '../../src/trace.js';
import { ROOT } from '../helpers/built.js';

async function explained(name: string, lang: 'en' | 'zh' = 'en'): Promise<string> {
  const r = await trace(openCapture(join(ROOT, 'fixtures', `${name}.pcap`)));
  // Unwrapped (width 0) and without the lifelines, so a sentence reads in one piece.
  const text = renderText(r, { ...TEXT_DEFAULTS, explain: true, lang });
  const flat = text.replace(/[│┆╵↳]/g, ' ').replace(/\s+/g, ' ');
  // Chinese wraps between any two characters: no spaces at all then (expected texts likewise).
  return lang === 'zh' ? flat.replace(/\s+/g, '') : flat;
}
const nows = (s: string) => s.replace(/\s+/g, '');

describe('explanations', () => {
  it('an unanswered SYN: the gaps this capture shows and their shape', async () => {
    const en = await explained('unanswered');
    expect(en).toContain('In this capture the SYN was retransmitted after 1.009 s, 1.024 s, 1.024 s, 1.024 s: evenly spaced, not doubling');
    expect(en).not.toMatch(/1 s, 2 s, 4 s/);
    const zh = await explained('unanswered', 'zh');
    expect(zh).toContain(nows('本次捕获中 SYN 的重传间隔为 1.009 s, 1.024 s, 1.024 s, 1.024 s：间隔相等、没有加倍'));
    expect(zh).not.toMatch(/1 秒、2 秒、4 秒/);
  });

  it('the keep-alive timer: 2 h idle, every 75 s, 9 probes, then dropped', async () => {
    const en = await explained('keepalive');
    expect(en).toMatch(/idle 2 hours by default .* then one every 75 s .* after 9 probes go unanswered .* dropped/);
    const zh = await explained('keepalive', 'zh');
    expect(zh).toMatch(/空闲2小时后.*每75秒一个.*连续9个探测无应答.*断开/);
  });

  it('the third segment: two would confirm only the client’s ISN; it may carry data', async () => {
    const en = await explained('handshake-client-close');
    expect(en).toContain('Two segments would not do: they would confirm only the client’s ISN');
    expect(en).toContain('this third segment may already carry data');
    const zh = await explained('handshake-client-close', 'zh');
    expect(zh).toContain(nows('只有两个报文是不够的：它们只能确认客户端的 ISN'));
    expect(zh).toContain('第三个报文已经可以携带数据');
  });
});

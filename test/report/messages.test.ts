import { describe, expect, it } from 'vitest';
import { MESSAGES } from '../../src/report/messages.js';

/** Every leaf of a message tree: path -> value. */
function leaves(node: unknown, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) for (const [p, x] of leaves(v, path ? `${path}.${k}` : k)) out.set(p, x);
  } else out.set(path, node);
  return out;
}

const en = leaves(MESSAGES.en);
const zh = leaves(MESSAGES.zh);
const CJK = /[\u4e00-\u9fff]/;

describe('message catalogue', () => {
  it('has the same keys in English and Chinese', () => {
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
    expect(en.size).toBeGreaterThan(100);
  });

  it('has a non-empty value of the same kind for every key, functions taking the same arguments', () => {
    for (const [key, v] of en) {
      const z = zh.get(key);
      expect(typeof z, key).toBe(typeof v);
      if (typeof v === 'function') expect((z as (...a: unknown[]) => unknown).length, key).toBe(v.length);
      else expect(String(z).length, key).toBeGreaterThan(0);
    }
  });

  it('says every explanation, sentence and summary label in Chinese', () => {
    const sample = (v: unknown): string =>
      typeof v === 'function' ? String((v as (...a: unknown[]) => unknown)(...Array.from({ length: v.length }, () => ({ by: 'A', other: 'B' })))) : String(v);
    for (const [key, v] of zh) {
      if (!/^(explain|words|transition|openKind|closeKind|anomaly|analysis)\.|^summary\.(?!zeek|checksOf)/.test(key)) continue;
      expect(sample(v), key).toMatch(CJK);
    }
  });

  it('explains every topic the brief asks for, citing the RFC', () => {
    const e = MESSAGES.en.explain;
    expect(e.thirdAck).toMatch(/old duplicate SYN.*RFC 9293 §3\.5/s);
    expect(e.fourWay).toMatch(/each direction .* closes on its own.*half-close/s);
    expect(e.synSeq).toMatch(/consumes one sequence number/);
    expect(e.finSeq).toMatch(/consumes one sequence number/);
    expect(e.synNoData).toMatch(/SYN flood.*RFC 7413/s);
    expect(e.timeWait).toMatch(/2·MSL.*last ACK may be lost.*old duplicate/s);
    expect(e.pileTimeWait(3)).toMatch(/^3 connections end .*TIME-WAIT/);
    expect(e.pileCloseWait(1)).toMatch(/^1 connection ends .*CLOSE-WAIT.*close\(\)/s);
  });
});

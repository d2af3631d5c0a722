import { describe, expect, it } from 'vitest';
import { renderJson, renderNdjsonLine } from '../../src/report/json.js';
import { classic, report } from './factory.js';

describe('JSON', () => {
  it('--json is exactly the Report object, pretty-printed, one document', () => {
    const r = report([classic()]);
    const out = renderJson(r);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual(r);
    expect(JSON.parse(out).schema).toBe('tcptrace/1');
  });

  it('escapes control and bidi characters from the capture, staying valid JSON', () => {
    const r = report([classic()], { path: 'x\u001b]0;t\u0007\u202e.pcap', warnings: ['\u009b2J'] });
    const out = renderJson(r);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(out).input.path).toBe('x\u001b]0;t\u0007\u202e.pcap');
    expect(JSON.parse(out).input.warnings[0]).toBe('\u009b2J');
  });

  it('--ndjson is one record per line, the same object as in connections', () => {
    const c = classic();
    const line = renderNdjsonLine(c);
    expect(line.split('\n')).toEqual([expect.any(String), '']);
    expect(JSON.parse(line)).toEqual(c);
  });
});

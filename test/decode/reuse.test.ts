/**
 * decodeFrameInto refills one segment and one options object per frame (trace.ts's hot path).
 * Whatever a frame's segment had (SACK blocks, Fast Open, unknown kinds, a malformed option, an
 * ACK number) must not show through in the next frame's: on every capture under fixtures/, each
 * frame decoded into the shared buffer equals the same frame decoded into new objects.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame.js';
import { openCapture } from '../../src/capture/open.js';
import { decodeFrame, decodeFrameInto } from '../../src/decode/decode-frame.js';
import { newSegment, type Segment, type TcpOptions } from '../../src/decode/segment.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

function captures(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return captures(p);
    return /\.(pcap|pcapng|cap)$/.test(n) ? [p] : [];
  });
}

/** A segment with its options as a plain object of the fields that are set (undefined ones dropped). */
function plain(s: Segment): unknown {
  const o = s.options === null ? null : Object.fromEntries(Object.entries(s.options).filter(([, v]) => v !== undefined));
  return { ...s, options: o };
}

describe('decodeFrameInto reuses its buffers without leaking one frame into the next', () => {
  const files = captures(FIXTURES);
  it('finds the captures', () => expect(files.length).toBeGreaterThan(150));
  it('equals a fresh decode on every frame of every capture', async () => {
    const buf = newSegment();
    const opts: TcpOptions = {};
    let compared = 0;
    let withOptions = 0;
    for (const f of files) {
      await openCapture(f)
        .run({
          frame(fr: Frame) {
            const fresh = decodeFrame(fr);
            const reused = decodeFrameInto(fr, buf, opts);
            if (typeof fresh === 'string') {
              expect(reused).toBe(fresh);
              return;
            }
            expect(reused).toBe(buf);
            if (fresh.options !== null) {
              withOptions++;
              expect(buf.options).toBe(opts);
            }
            expect(plain(buf)).toEqual(plain(fresh));
            compared++;
          },
        })
        .catch(() => undefined); // damaged captures end early; what was read is compared
    }
    expect(compared).toBeGreaterThan(2_000);
    expect(withOptions).toBeGreaterThan(500);
  }, 60_000);
});

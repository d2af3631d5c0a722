/**
 * `--merge`: two captures of one link, one per direction (fixtures/merge/, cut from kernel
 * recordings with tcpdump), read as one capture give exactly the trace of the original recording,
 * whichever file is named first; a frame numbering and order as mergecap's (checked by hand:
 * `mergecap -w x.pcap server.pcap client.pcap` traced gives the same JSON, 2026-12-06).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMerged } from '../../src/capture/merge.js';
import { openCapture } from '../../src/capture/open.js';
import { trace } from '../../src/trace.js';
import { ROOT } from '../helpers/built.js';

const fx = (p: string) => join(ROOT, 'fixtures', p);
const withoutInput = (r: Awaited<ReturnType<typeof trace>>) => JSON.parse(JSON.stringify({ ...r, input: undefined }));

describe('--merge', () => {
  it.each(['half-close', 'loss'])('%s: the two directions merged are the original capture', async (name) => {
    const original = await trace(openCapture(fx(`${name}.pcap`)));
    for (const order of [
      [`merge/${name}.client.pcap`, `merge/${name}.server.pcap`],
      [`merge/${name}.server.pcap`, `merge/${name}.client.pcap`],
    ]) {
      const merged = await trace(openMerged(order.map(fx)));
      expect(merged.input.path).toBe(order.map(fx).join(' + '));
      expect(merged.input.packets).toBe(original.input.packets);
      expect(merged.connections.length).toBeGreaterThan(0);
      expect(withoutInput(merged)).toEqual(withoutInput(original));
    }
  });

  it('a file that cannot be read is the usual one-line error', async () => {
    await expect(trace(openMerged([fx('merge/half-close.client.pcap'), fx('no-such.pcap')]))).rejects.toThrow(/no-such\.pcap/);
  });
});

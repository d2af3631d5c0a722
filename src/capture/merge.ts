/**
 * `--merge`: several capture files read as one capture, frames in time order, as mergecap merges
 * them (both sides of a link captured on two hosts, a capture rotated into pieces). Frames are
 * renumbered 1, 2, ... in merged order; a tie keeps the order of the files as given.
 *
 * Each file is read by its own parser, a chunk at a time, and the next chunk of a file is read only
 * once the frames it gave have been merged: memory is about one chunk per file, whatever the
 * files' lengths, and whichever file starts first. A frame must outlive its chunk here, so each is
 * copied (merge mode only; a plain read copies nothing).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CaptureError, type CaptureSource, type CaptureStats, type Frame, type FrameSink, type ProgressFn } from './frame.js';
import { openCapture, openStream } from './open.js';

const CHUNK = 1 << 20;

/** A frame copied out of its chunk. */
interface Held {
  tsSec: number;
  tsNsec: number;
  linkType: number;
  iface: number;
  data: Uint8Array;
  wireLen: number;
}

/** One input's frames waiting to be merged, and whether its reader is done. */
class Lane {
  readonly queue: Held[] = [];
  head = 0;
  done = false;
  /** Resolves the reader's wait for its next chunk (set while it waits). */
  wake: (() => void) | null = null;

  get empty(): boolean {
    return this.head >= this.queue.length;
  }
}

/** A file read a chunk at a time, each chunk asked of `gate` first. */
function gatedFile(fh: FileHandle, gate: () => Promise<void> | null): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          const wait = gate();
          if (wait !== null) await wait;
          const buf = Buffer.allocUnsafe(CHUNK);
          const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
          return bytesRead === 0 ? { done: true, value: undefined } : { done: false, value: buf.subarray(0, bytesRead) };
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * A source reading `paths` as one capture in time order; its name is the paths joined with ` + `.
 * `pace`, when given, is asked before each chunk too (the output's backpressure, as pacedCapture).
 */
export function openMerged(paths: readonly string[], pace?: () => Promise<void> | null): CaptureSource {
  const name = paths.join(' + ');
  return {
    name,
    async run(sink: FrameSink, options: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<CaptureStats> {
      for (const p of paths) if (p === '-') throw new CaptureError('-', null, '--merge reads files, not standard input');
      const lanes = paths.map(() => new Lane());
      const out: Frame = { index: 0, tsSec: 0, tsNsec: 0, linkType: 0, iface: 0, buf: new Uint8Array(0), offset: 0, capLen: 0, wireLen: 0 };
      let bytes = 0;
      let failed = false;
      /** Hands on every frame that is the earliest of all lanes for sure (each lane has one, or is done). */
      const drain = (): void => {
        while (!failed) {
          let best = -1;
          for (let i = 0; i < lanes.length; i++) {
            const l = lanes[i]!;
            if (l.empty) {
              if (!l.done) return; // its next frame may be earlier than any held
              continue;
            }
            const f = l.queue[l.head]!;
            const b = best < 0 ? null : lanes[best]!.queue[lanes[best]!.head]!;
            if (b === null || f.tsSec < b.tsSec || (f.tsSec === b.tsSec && f.tsNsec < b.tsNsec)) best = i;
          }
          if (best < 0) return;
          const lane = lanes[best]!;
          const f = lane.queue[lane.head]!;
          lane.queue[lane.head++] = undefined as unknown as Held;
          if (lane.empty) {
            lane.queue.length = 0;
            lane.head = 0;
            const wake = lane.wake;
            lane.wake = null;
            wake?.();
          }
          out.index++;
          out.tsSec = f.tsSec;
          out.tsNsec = f.tsNsec;
          out.linkType = f.linkType;
          out.iface = f.iface;
          out.buf = f.data;
          out.offset = 0;
          out.capLen = f.data.length;
          out.wireLen = f.wireLen;
          sink.frame(out);
        }
      };
      const readers = paths.map(async (path, i) => {
        const lane = lanes[i]!;
        let lastProgress = 0;
        const laneSink: FrameSink = {
          frame(f) {
            lane.queue.push({
              tsSec: f.tsSec,
              tsNsec: f.tsNsec,
              linkType: f.linkType,
              iface: f.iface,
              data: f.buf.slice(f.offset, f.offset + f.capLen),
              wireLen: f.wireLen,
            });
          },
        };
        // Between two chunks: merge what can be merged, then read on only once this lane is empty.
        const gate = (): Promise<void> | null => {
          drain();
          const out = pace?.() ?? null;
          if (lane.empty || options.signal?.aborted) return out;
          const merged = new Promise<void>((resolve) => {
            lane.wake = resolve;
          });
          return out === null ? merged : Promise.all([out, merged]).then(() => undefined);
        };
        let fh: FileHandle;
        try {
          fh = await open(path, 'r');
        } catch {
          // The ordinary reader says why it cannot be opened, in its words.
          return openCapture(path).run(laneSink, { signal: options.signal });
        }
        try {
          return await openStream(path, gatedFile(fh, gate)).run(laneSink, {
            signal: options.signal,
            onProgress: (b) => {
              bytes += b - lastProgress;
              lastProgress = b;
              options.onProgress?.(bytes, out.index);
            },
          });
        } finally {
          lane.done = true;
          drain();
          await fh.close().catch(() => undefined);
        }
      });
      // A reader that fails ends the others' waits (their lanes are drained no more).
      let stats: CaptureStats[];
      try {
        stats = await Promise.all(readers);
      } catch (e) {
        failed = true;
        for (const l of lanes) {
          l.done = true;
          l.wake?.();
        }
        await Promise.allSettled(readers);
        throw e;
      }
      for (const l of lanes) l.done = true;
      drain();
      const linkTypes: number[] = [];
      for (const s of stats) for (const t of s.linkTypes) if (!linkTypes.includes(t)) linkTypes.push(t);
      return {
        format: stats.every((s) => s.format === stats[0]!.format) ? stats[0]!.format : 'pcapng',
        linkTypes,
        packets: out.index,
        bytes: stats.reduce((n, s) => n + s.bytes, 0),
        warnings: stats.flatMap((s, i) => s.warnings.map((w) => ({ offset: w.offset, message: `${paths[i]}: ${w.message}` }))),
      };
    },
  };
}

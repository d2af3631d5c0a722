/** The kernel's own view of a recording: `NAME.kernel.json`, from `ss -tan state all` at capture end (fixtures/tools/ss2json.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from '../../src/capture/open.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';

export interface KernelSocket {
  local: string;
  peer: string;
  state: string;
}
export interface Kernel {
  client: KernelSocket[];
  server: KernelSocket[];
}

/** The sockets `ss` listed in each namespace, from the `.kernel.json` at `path`. */
export function readKernel(path: string): Kernel {
  return JSON.parse(readFileSync(path, 'utf8')) as Kernel;
}

/**
 * The connections traced from each capture under `dir`, each file traced once however many tests
 * ask (the kernel-recording tests compare the same records several ways).
 */
export function tracedConnections(dir: string): (file: string) => Promise<ConnectionRecord[]> {
  const cache = new Map<string, Promise<ConnectionRecord[]>>();
  return (file) => {
    let p = cache.get(file);
    if (!p) {
      p = trace(openCapture(join(dir, file))).then((r) => r.connections);
      cache.set(file, p);
    }
    return p;
  };
}

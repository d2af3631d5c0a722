/** The kernel's own view of a recording: `NAME.kernel.json`, from `ss -tan state all` at capture end (fixtures/tools/ss2json.py). */
import { readFileSync } from 'node:fs';

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

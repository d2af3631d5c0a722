/** Small text helpers shared by the diagnostics (and by check/ for its messages). */
import type { EndpointRecord } from '../tcp/model.js';

/** `ip:port`, IPv6 in brackets (RFC 5952 §6). */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** An endpoint record as `ip:port`. */
export function endpointText(e: Pick<EndpointRecord, 'ip' | 'port'>): string {
  return hostPort(e.ip, e.port);
}

/** A duration in seconds for messages: `350 µs`, `12.3 ms`, `4.5 s`, `75 s`. */
export function formatSec(sec: number): string {
  const a = Math.abs(sec);
  if (a < 1e-3) return `${round(sec * 1e6)} \u00b5s`;
  if (a < 1) return `${round(sec * 1e3)} ms`;
  return `${round(sec)} s`;
}

/** Three significant digits at most, no trailing zeros. */
function round(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** "1 connection" / "3 connections". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * The colours of the text output, in one place. Renderers ask for a role (`ok`, `bad`, `state`),
 * never for a colour, so the palette can change without touching them. With colour off every
 * role is the identity, which is what golden files and pipes get.
 */
import { Chalk, type ChalkInstance } from 'chalk';

type Paint = (text: string) => string;

/** Colour roles used by the renderers. */
export interface Style {
  /** A check that held. */
  ok: Paint;
  /** A check that failed, an error. */
  bad: Paint;
  /** Unusual but legal: retransmissions, resets, warnings. */
  warn: Paint;
  /** Secondary text: explanations, units, lifelines. */
  dim: Paint;
  /** Headings. */
  head: Paint;
  /** An RFC 9293 state name. */
  state: Paint;
  /** Arrows and labels of segments sent by the client. */
  client: Paint;
  /** Arrows and labels of segments sent by the server. */
  server: Paint;
}

const plain: Paint = (s) => s;

/** The palette for a chalk colour level (0 = no colour at all). */
export function makeStyle(level: 0 | 1 | 2 | 3): Style {
  if (level === 0) {
    return { ok: plain, bad: plain, warn: plain, dim: plain, head: plain, state: plain, client: plain, server: plain };
  }
  const c: ChalkInstance = new Chalk({ level });
  return {
    ok: c.green,
    bad: c.red.bold,
    warn: c.yellow,
    dim: c.dim,
    head: c.bold,
    state: c.cyan,
    client: c.blue,
    server: c.magenta,
  };
}

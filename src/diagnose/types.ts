/**
 * The whole `--json` document for one input, and the operational diagnostics computed from the
 * finished connection records. Lives here (after tcp/, before report/ and check/) because both
 * report/ and check/ consume it and diagnostics are derived from tcp/'s model.
 */
import type { ConnectionRecord, InputRecord, SCHEMA, Summary } from '../tcp/model.js';

/** Operational findings (TIME-WAIT pressure, CLOSE-WAIT leaks, failed openings, keep-alive). */
export interface Diagnostics {
  // Filled in by issue 6 (src/diagnose/).
  [key: string]: unknown;
}

/** The whole `--json` document for one input. */
export interface Report {
  schema: typeof SCHEMA;
  input: InputRecord;
  connections: ConnectionRecord[];
  summary: Summary;
  diagnostics?: Diagnostics;
}

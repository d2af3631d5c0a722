/**
 * The package's programmatic API (`import { trace, openCapture } from 'tcptrace'`): read a capture,
 * get the model. The objects are exactly the JSON contract (`SCHEMA`, the schema file exported as
 * `tcptrace/schema.json`); the renderers turn a report into the CLI's outputs.
 *
 * ```ts
 * import { openCapture, trace } from 'tcptrace';
 * const report = await trace(openCapture('x.pcap'));
 * for (const c of report.connections) console.log(c.id, c.open.kind, c.client.state, c.server.state);
 * ```
 */
export { trace, DEFAULTS, type TraceOptions } from './trace.js';
export { openCapture, openStream, STDIN_NAME, type OpenOptions } from './capture/open.js';
export { CaptureError, type CaptureSource, type CaptureStats, type CaptureFormat } from './capture/frame.js';
export { SCHEMA, TcpState, CHECK_IDS } from './tcp/model.js';
export type {
  Check,
  CheckId,
  CloseKind,
  CloseRecord,
  ConnectionRecord,
  DirectionSummary,
  EndpointRecord,
  FlagCounts,
  InputRecord,
  NegotiatedOptions,
  OpenKind,
  OpenRecord,
  SegmentFlag,
  SegmentOptions,
  SegmentRecord,
  Side,
  Summary,
  Transition,
  ZeekConnState,
} from './tcp/model.js';
export { FINDING_CODES } from './diagnose/types.js';
export type { Diagnostics, Finding, FindingCode, Report } from './diagnose/types.js';
export { renderJson, ndjsonHead, renderNdjsonLine } from './report/json.js';
export { renderText, TEXT_DEFAULTS, type TextOptions } from './report/text.js';

/**
 * Expectations files (`captures/login-flow.expect` next to `captures/login-flow.pcap`): one rule a
 * line, optionally named, `#` comments.
 *
 * ```
 * # login-flow: what the login service must do
 * handshakes: handshakes-complete
 * clean close: graceful-close      # both FINs, acknowledged
 * accepts 198.18.0.2:8443           # unnamed: the rule text is its name
 * ```
 *
 * A line is `NAME: RULE` when it starts with a name (no `:` or `#`) followed by a colon and
 * whitespace; otherwise the whole line is the rule (so `accepts 198.18.0.2:8443` needs no name).
 * `#` starts a comment anywhere (no rule contains one). Names must be unique within the file;
 * blank lines are ignored; a file with no rule is an error. UTF-8, LF or CRLF.
 */
import { parseRule, type Rule } from './rules.js';
import { quote, UsageError } from './validate.js';

/** A rule with the name it is reported under (JUnit test case, failure lines). */
export interface Expectation {
  name: string;
  rule: Rule;
  /** Where it came from: `file:line` or `--expect`. */
  origin: string;
}

/** Parses an expectations file's text; errors are `file:line: message`. */
export function parseExpectFile(text: string, file: string): Expectation[] {
  const out: Expectation[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    if (/^[^:#]*[^:#\s]\s*:$/.test(line)) throw new UsageError(`${file}:${lineNo}: missing rule after ${quote(line)}`);
    const named = /^([^:#]*[^:#\s])\s*:\s+(.*)$/.exec(line);
    const name = named ? named[1]!.trim() : null;
    const ruleText = named ? named[2]! : line;
    let rule: Rule;
    try {
      rule = parseRule(ruleText);
    } catch (e) {
      throw new UsageError(`${file}:${lineNo}: ${(e as Error).message}`);
    }
    const key = name ?? rule.text;
    const first = seen.get(key);
    if (first !== undefined) throw new UsageError(`${file}:${lineNo}: duplicate name ${quote(key)} (first on line ${first})`);
    seen.set(key, lineNo);
    out.push({ name: key, rule, origin: `${file}:${lineNo}` });
  }
  if (out.length === 0) throw new UsageError(`${file}: no rules (one rule a line, e.g. "handshakes: handshakes-complete")`);
  return out;
}

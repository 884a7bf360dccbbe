// Every problem the format core can report, in one table: a stable code, how bad it is and a
// human message. Decoders raise DecodeError with a code; scanners turn them into Problem values.

export type Severity = 'error' | 'warning' | 'info';

export const PROBLEM_CODES = {
  'truncated': { severity: 'error', title: 'Unexpected end of file' },
  'bad-magic': { severity: 'error', title: 'Not a QEMU migration stream' },
  'obsolete-version': { severity: 'error', title: 'SaveVM v2 format is obsolete' },
  'bad-version': { severity: 'error', title: 'Unsupported migration stream version' },
  'unknown-record': { severity: 'error', title: 'Unknown savevm section type' },
  'bad-idstr': { severity: 'error', title: 'Unable to read ID string' },
  'unknown-section': { severity: 'error', title: 'PART/END for a section that was never started' },
  'missing-footer': { severity: 'error', title: 'Missing section footer' },
  'footer-mismatch': { severity: 'error', title: 'Mismatched section id in footer' },
  'bad-command': { severity: 'error', title: 'Bad migration command' },
  'bad-ram': { severity: 'error', title: 'Bad RAM record' },
  'bad-vmdesc': { severity: 'error', title: 'Unreadable JSON VM description' },
  'bad-field': { severity: 'error', title: 'Field value QEMU would reject' },
  'bad-subsection': { severity: 'error', title: 'Bad subsection' },
  'size-mismatch': { severity: 'warning', title: 'Decoded size differs from the description' },
  'no-description': { severity: 'warning', title: 'No description for this section' },
  'description-mismatch': { severity: 'warning', title: 'Description does not fit the bytes' },
  'unknown-type': { severity: 'warning', title: 'Field type decoded as opaque bytes' },
  'heuristic-boundary': { severity: 'warning', title: 'Section end found by heuristic' },
  'trailing-data': { severity: 'warning', title: 'Bytes after the end of the stream' },
  'bad-image': { severity: 'error', title: 'Bad disk image' },
  'unsupported-image': { severity: 'error', title: 'Disk image not supported' },
  'limit': { severity: 'error', title: 'A size limit was exceeded' },
  'bad-container': { severity: 'error', title: 'Bad save image' },
  'incomplete-image': { severity: 'error', title: 'Save image is incomplete' },
  'bad-compressed': { severity: 'error', title: 'Corrupt compressed stream' },
  'container-note': { severity: 'warning', title: 'Unusual libvirt save image' },
  'cancelled': { severity: 'info', title: 'Cancelled' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** A problem as a plain value: crosses the worker boundary and prints in the CLI. */
export interface Problem {
  code: ProblemCode;
  severity: Severity;
  /** Absolute byte offset in the file where the problem was found. */
  offset: number;
  /** What the decoder expected there, in words. */
  message: string;
  /** Section/field path, e.g. "cpu (0)/env.regs[3]". */
  path?: string;
}

/**
 * Text taken from a file (idstrs, RAM block names, names and types from a JSON description, a
 * JSON parser's excerpt) as it goes into a message: one line, plain ASCII, and byte-exact. A
 * control character, a backslash or any character above 0x7e becomes an escape: idstrs are
 * Latin-1 byte strings (cursor.ts latin1), so \xNN names the very byte in the file, where printing
 * it raw would break the line or come out re-encoded as UTF-8. Every message that embeds file
 * text passes it through here; formatProblem also escapes the path, which is built from idstrs.
 */
export function escapeText(s: string): string {
  return s.replace(/[\\\x00-\x1f\x7f-\uffff]/g, (ch) => {
    if (ch === '\\') return '\\\\';
    const c = ch.charCodeAt(0);
    return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  });
}

/** escapeText in double quotes, with quotes inside escaped too. */
export function quoted(s: string): string {
  return `"${escapeText(s).replace(/"/g, '\\"')}"`;
}

// Last line of defence for the one-line rule, applied where a message is printed: a control
// character that reached a message without escapeText (a bug: the fuzzer checks every raw message
// for it) still never breaks the line. Idempotent on escaped text.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
export function oneLine(s: string): string {
  return CONTROL.test(s) ? s.replace(new RegExp(CONTROL.source, 'g'), (ch) => escapeText(ch)) : s;
}

export class DecodeError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly offset: number,
    readonly expected: string,
    readonly path?: string,
  ) {
    super(`${PROBLEM_CODES[code].title} at byte ${offset} (0x${offset.toString(16)}): ${oneLine(expected)}${path ? ` [${escapeText(path)}]` : ''}`);
    this.name = 'DecodeError';
  }

  toProblem(): Problem {
    return makeProblem(this.code, this.offset, this.expected, this.path);
  }
}

export function makeProblem(code: ProblemCode, offset: number, message: string, path?: string): Problem {
  const p: Problem = { code, severity: PROBLEM_CODES[code].severity, offset, message };
  if (path !== undefined) p.path = path;
  return p;
}

export function formatProblem(p: Problem): string {
  return `${p.severity} at 0x${p.offset.toString(16)} (${p.offset}): ${PROBLEM_CODES[p.code].title}: ${oneLine(p.message)}${p.path ? ` [${escapeText(p.path)}]` : ''}`;
}

/** Raised when a scan is aborted by its caller; never reported as a file problem. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

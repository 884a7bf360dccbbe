// Ignore patterns: fields that always move between two checkpoints of a running guest (clock
// offsets, timer expiries, counters) and hide what a person is looking for.
//
// A pattern is a path as `inspect --json` prints it, with `*` for any run of characters. It
// matches a field's full path ("timer (0)/cpu_ticks_offset") or its path inside the section
// ("cpu_ticks_offset"), and everything below it: "timer (0)" hides the whole section, "env.tsc"
// hides "env.tsc" but not "env.tsc_aux" (a match must end at ".", "[", "/" or the end).

export interface IgnoreMatcher {
  patterns: string[];
  /** True when `sectionLabel/fieldPath` (or the section alone, fieldPath '') is ignored. */
  matches(sectionLabel: string, fieldPath: string): boolean;
}

function toRegExp(pattern: string): RegExp {
  const body = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}(?:$|[.[/])`);
}

export function ignoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const list = patterns.map((p) => p.trim()).filter((p) => p.length > 0);
  const res = list.map(toRegExp);
  return {
    patterns: list,
    matches(label, fieldPath) {
      if (res.length === 0) return false;
      const full = fieldPath ? `${label}/${fieldPath}` : label;
      return res.some((re) => re.test(full) || (fieldPath !== '' && re.test(fieldPath)));
    },
  };
}

/**
 * Fields that move whenever a guest runs between two saves: the first three moved in the two
 * device-state files of one QEMU 7.2 pc guest saved 300 ms apart (scripts/make-diff-fixtures.mjs,
 * the regs pair: QEMU's virtual clock offsets and the PIT's next tick); the others are the RTC
 * and PIT timers that follow the same clock (hw/rtc/mc146818rtc.c, hw/timer/i8254_common.c).
 * The page starts its editable list from these.
 */
export const DEFAULT_IGNORE: readonly string[] = [
  'timer (0)/cpu_ticks_offset',
  'timer (0)/cpu_clock_offset',
  'i8254 (0)/channels[*].next_transition_time',
  'i8254 (0)/channels[*].count_load_time',
  'mc146818rtc (0)/next_periodic_time',
  'mc146818rtc (0)/update_timer',
  'mc146818rtc (0)/periodic_timer',
];

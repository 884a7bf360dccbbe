// axe-core (through @axe-core/playwright) against WCAG 2.1 A and AA, as every spec that checks a
// state's accessibility runs it: only serious and critical findings fail a test.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/** The serious and critical violations in the page, or in the elements `within` selects. */
export async function seriousViolations(page: Page, within?: string): Promise<Violation[]> {
  const axe = new AxeBuilder({ page }).withTags(TAGS);
  // Only violations are reported in full: passes and incompletes would cost as much again.
  const { violations } = await (within ? axe.include(within) : axe).options({ resultTypes: ['violations'] }).analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The same as one line each: "rule-id: the elements it names". */
export async function seriousAxe(page: Page, within?: string): Promise<string[]> {
  return (await seriousViolations(page, within)).map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

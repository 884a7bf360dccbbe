// Full text on hover for whatever a narrow column or pane cut off with an ellipsis. Set when the
// pointer arrives rather than on every render: measuring each cell of a table on every render
// would lay the page out again for each one.

const AUTO = 'data-auto-title';

/**
 * A mouseover handler for a container: every element from the one under the pointer up to the
 * container that cuts its text with an ellipsis, and is cut now, gets its full text as `title`. Titles the page set itself
 * (those without the marker) are left alone.
 */
export function titleTruncated(e: { target: EventTarget | null; currentTarget: EventTarget | null }): void {
  for (let el = e.target instanceof Element ? e.target : null; el && el !== e.currentTarget; el = el.parentElement) {
    if (!(el instanceof HTMLElement)) continue;
    const own = el.hasAttribute('title') && !el.hasAttribute(AUTO);
    if (own) continue;
    if (el.scrollWidth > el.clientWidth && getComputedStyle(el).textOverflow === 'ellipsis') {
      el.setAttribute('title', el.textContent ?? '');
      el.setAttribute(AUTO, '');
    } else if (el.hasAttribute(AUTO)) {
      el.removeAttribute('title');
      el.removeAttribute(AUTO);
    }
  }
}

/** Which rows of a long list are on screen (plus some overscan), so only those are rendered. */
export function visibleWindow(v: {
  scrollTop: number;
  height: number;
  rowHeight: number;
  count: number;
  overscan: number;
}) {
  const first = Math.floor(v.scrollTop / v.rowHeight);
  const start = Math.max(0, first - v.overscan);
  const end = Math.min(v.count, first + Math.ceil(v.height / v.rowHeight) + v.overscan);
  return { start, end, before: start * v.rowHeight, after: Math.max(0, v.count - end) * v.rowHeight };
}

/**
 * Sets a spacer's height through the CSSOM. The Content-Security-Policy (style-src 'self') refuses style attributes
 * in markup, not CSSOM changes made by the app's own script.
 */
export function setSpacerHeight(element: HTMLElement | null, px: number): void {
  if (element) element.style.height = `${px}px`;
}

import { useEffect, useRef, useState } from 'preact/hooks';

export type PlotFigure = (SVGSVGElement | HTMLElement) & { value?: unknown };
/** Draws a figure for a width; may be asynchronous (when Plot is loaded on demand). */
type PlotRender = (width: number) => PlotFigure | Promise<PlotFigure>;

interface Props {
  /** Draws the figure for a width; called again when the card is resized. */
  render: PlotRender;
  /** Called with the datum under the pointer when the reader clicks the chart (e.g. drill down). */
  onSelect?: (datum: unknown) => void;
  /** Text alternative for screen readers (the table view has the numbers). */
  label: string;
  minHeight?: number;
}

/**
 * The figure is one image for assistive technology (role img with the card's label; the table
 * view has the numbers). Plot labels its inner groups ("bar", "x-axis tick"), which ARIA does not
 * allow on an element without a role (axe: aria-prohibited-attr): the label is kept as
 * `data-mark` (tests and styles can still find a mark) and the ARIA attributes are taken off.
 */
export function unlabelInnerGroups(figure: Element): void {
  for (const el of Array.from(figure.querySelectorAll('[aria-label], [aria-description]'))) {
    const mark = el.getAttribute('aria-label');
    if (mark !== null && !el.hasAttribute('data-mark')) el.setAttribute('data-mark', mark);
    el.removeAttribute('aria-label');
    el.removeAttribute('aria-description');
  }
}

/** Hosts one Observable Plot figure and redraws it at the width of its card. */
export function PlotView({ render, onSelect, label, minHeight = 240 }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const widthOf = (w: number) => Math.max(280, Math.floor(w || 640));
    // Without ResizeObserver (old browsers, test DOMs) measure once.
    if (typeof ResizeObserver === 'undefined') return setWidth(widthOf(el.clientWidth));
    // The observer reports the width after the browser's own layout (including at once, when
    // observing starts): reading clientWidth here instead would force an extra layout per chart.
    let frame = 0;
    let first = true;
    const ro = new ResizeObserver((entries) => {
      const w = widthOf(entries[entries.length - 1]!.contentRect.width);
      if (first) {
        first = false;
        return setWidth(w);
      }
      // Later changes (window resized) are redrawn once per frame.
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setWidth(w));
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
    };
  }, []);

  useEffect(() => {
    const el = host.current;
    if (!el || width === 0) return;
    let live = true;
    let cleanup = () => {};
    const fail = (err: unknown) => {
      if (live) el.textContent = `This chart could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
    };
    const show = (figure: PlotFigure) => {
      if (!live) return;
      figure.setAttribute('role', 'img');
      figure.setAttribute('aria-label', label);
      unlabelInnerGroups(figure);
      el.replaceChildren(figure);
      // Interactive marks (tips) draw new groups as the pointer moves: they are unlabelled too.
      const mo = typeof MutationObserver === 'undefined' ? null : new MutationObserver(() => unlabelInnerGroups(figure));
      mo?.observe(figure, { childList: true, subtree: true });
      cleanup = () => mo?.disconnect();
      if (!onSelect) return;
      figure.style.cursor = 'pointer';
      const click = () => {
        if (figure.value !== undefined && figure.value !== null) onSelect(figure.value);
      };
      figure.addEventListener('click', click);
      cleanup = () => {
        mo?.disconnect();
        figure.removeEventListener('click', click);
      };
    };
    try {
      const out = render(width);
      if (out instanceof Promise) out.then(show, fail);
      else show(out);
    } catch (err) {
      fail(err);
    }
    return () => {
      live = false;
      cleanup();
    };
  }, [render, width, onSelect, label]);

  return <div class="plot-host" ref={host} style={{ minHeight: `${minHeight}px` }} />;
}

import { useEffect, useRef, useState } from 'preact/hooks';

export type PlotFigure = (SVGSVGElement | HTMLElement) & { value?: unknown };
/** Draws a figure for a width; may be asynchronous (when Plot is loaded on demand). */
export type PlotRender = (width: number) => PlotFigure | Promise<PlotFigure>;

interface Props {
  /** Draws the figure for a width; called again when the card is resized. */
  render: PlotRender;
  /** Called with the datum under the pointer when the reader clicks the chart (e.g. drill down). */
  onSelect?: (datum: unknown) => void;
  /** Text alternative for screen readers (the table view has the numbers). */
  label: string;
  minHeight?: number;
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
      el.replaceChildren(figure);
      if (!onSelect) return;
      figure.style.cursor = 'pointer';
      const click = () => {
        if (figure.value !== undefined && figure.value !== null) onSelect(figure.value);
      };
      figure.addEventListener('click', click);
      cleanup = () => figure.removeEventListener('click', click);
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

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
    const measure = () => setWidth(Math.max(280, Math.floor(el.clientWidth || 640)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(measure);
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

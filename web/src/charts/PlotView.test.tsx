// @vitest-environment happy-dom
import { cleanup, render, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { PlotView, unlabelInnerGroups } from './PlotView.js';

afterEach(cleanup);

const SVG = 'http://www.w3.org/2000/svg';

function figure(): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg') as SVGSVGElement;
  for (const mark of ['x-axis tick', 'bar', 'tip']) {
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('aria-label', mark);
    g.setAttribute('aria-description', `about ${mark}`);
    g.appendChild(document.createElementNS(SVG, 'rect'));
    svg.appendChild(g);
  }
  return svg;
}

describe('chart figures and ARIA (axe aria-prohibited-attr)', () => {
  it('takes ARIA labels off the inner groups, keeping the mark name as data-mark', () => {
    const svg = figure();
    unlabelInnerGroups(svg);
    expect(svg.querySelectorAll('[aria-label], [aria-description]').length).toBe(0);
    expect([...svg.querySelectorAll('g')].map((g) => g.getAttribute('data-mark'))).toEqual(['x-axis tick', 'bar', 'tip']);
  });

  it('PlotView shows the figure as one labelled image, and unlabels groups drawn later (tips)', async () => {
    // Measured once without ResizeObserver (happy-dom's never reports).
    (globalThis as { ResizeObserver?: unknown }).ResizeObserver = undefined;
    const svg = figure();
    const { container } = render(<PlotView render={() => svg} label="Uptake by CCG" />);
    await waitFor(() => expect(container.querySelector('svg')).toBe(svg));
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-label')).toBe('Uptake by CCG');
    expect(svg.querySelectorAll('g[aria-label]').length).toBe(0);
    const tip = document.createElementNS(SVG, 'g');
    tip.setAttribute('aria-label', 'tip');
    svg.appendChild(tip);
    await waitFor(() => expect(tip.hasAttribute('aria-label')).toBe(false));
    expect(tip.getAttribute('data-mark')).toBe('tip');
  });
});

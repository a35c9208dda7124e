import { ValueError } from '@torchlet/tensor';
import { el, svgDocument, text } from './svg.js';
import { theme } from './theme.js';

/** The pixel size of an SVG made by this package (read from its root element). */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /^<svg\b[^>]*>/.exec(svg.trimStart())?.[0];
  const width = root && /\swidth="([\d.]+)"/.exec(root)?.[1];
  const height = root && /\sheight="([\d.]+)"/.exec(root)?.[1];
  if (!width || !height)
    throw new ValueError('svgSize: expected an <svg> root element with width and height');
  return { width: Number(width), height: Number(height) };
}

export interface FigureOptions {
  /** Panels per row (default: all in one row). */
  columns?: number;
  /** A title above all panels. */
  title?: string;
}

/** Several charts side by side (and in rows) as one SVG, like matplotlib's subplots. */
export function figure(panels: readonly string[], opts: FigureOptions = {}): string {
  if (panels.length === 0) throw new ValueError('figure: expected at least one panel');
  const columns = Math.max(1, Math.min(opts.columns ?? panels.length, panels.length));
  const sizes = panels.map(svgSize);
  const rows = Math.ceil(panels.length / columns);
  const colWidths = Array.from({ length: columns }, (_, j) =>
    Math.max(...sizes.filter((_, i) => i % columns === j).map((s) => s.width)),
  );
  const rowHeights = Array.from({ length: rows }, (_, r) =>
    Math.max(...sizes.slice(r * columns, (r + 1) * columns).map((s) => s.height)),
  );
  const top = opts.title ? 44 : 0;
  const width = colWidths.reduce((a, b) => a + b, 0);
  const height = top + rowHeights.reduce((a, b) => a + b, 0);
  const placed = panels.map((svg, i) => {
    const x = colWidths.slice(0, i % columns).reduce((a, b) => a + b, 0);
    const y = top + rowHeights.slice(0, Math.floor(i / columns)).reduce((a, b) => a + b, 0);
    // A nested <svg> is positioned by its x and y attributes.
    return svg.trimStart().replace(/^<svg\b/, `<svg x="${x}" y="${y}"`);
  });
  const body = opts.title
    ? [
        text(width / 2, 30, opts.title, {
          class: 'title',
          'font-size': theme.titleSize + 2,
          'font-weight': 'bold',
          'text-anchor': 'middle',
        }),
        ...placed,
      ]
    : placed;
  return svgDocument(width, height, [el('g', { class: 'figure' }, ...body)], opts.title);
}

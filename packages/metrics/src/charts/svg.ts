import { theme } from './theme.js';

/** Minimal SVG string building: elements, escaping, rounded coordinates. */

export type Attrs = Record<string, string | number | undefined>;

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Coordinates rounded to 0.01 px keep the files small and stable. */
export function px(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? px(v) : escapeXml(v as string)}"`)
    .join('');
}

/**
 * The baseline that centres a line of text on y (librsvg's support for dominant-baseline varies, so
 * the offset is explicit: about a third of the font size for Latin text).
 */
export function middleBaseline(y: number, fontSize: number): number {
  return y + fontSize * 0.35;
}

/** An element; children are already-built markup. */
export function el(tag: string, a: Attrs = {}, ...children: string[]): string {
  return children.length === 0 ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${children.join('')}</${tag}>`;
}

/** A text element; `content` is escaped. */
export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, escapeXml(content));
}

/** The root element: white background, the theme's font, explicit pixel size (the PNG's size). */
export function svgDocument(width: number, height: number, body: string[], title?: string): string {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width: Math.round(width),
      height: Math.round(height),
      viewBox: `0 0 ${Math.round(width)} ${Math.round(height)}`,
      'font-family': theme.fontFamily,
      fill: theme.text,
    },
    title === undefined ? '' : el('title', {}, escapeXml(title)),
    el('rect', { x: 0, y: 0, width: Math.round(width), height: Math.round(height), fill: theme.background }),
    ...body,
  );
}

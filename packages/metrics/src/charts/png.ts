export interface PngOptions {
  /** Pixel density multiplier (2 gives a sharp image on high-DPI screens); default 1: the SVG's size. */
  scale?: number;
}

/**
 * sharp and node:fs are loaded on first use, not at import, so that the metrics and the SVG charts
 * also work in a browser bundle (where only the PNG writers are unavailable).
 */
async function render(svg: string, opts: PngOptions) {
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg), { density: 72 * (opts.scale ?? 1) }).png();
}

/** Renders an SVG string to PNG bytes (sharp, i.e. librsvg). */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Buffer> {
  return (await render(svg, opts)).toBuffer();
}

/** Writes an SVG string as a PNG file (creating its folder); resolves to the image's pixel size. */
export async function savePng(
  svg: string,
  path: string,
  opts: PngOptions = {},
): Promise<{ width: number; height: number }> {
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  const info = await (await render(svg, opts)).toFile(path);
  return { width: info.width, height: info.height };
}

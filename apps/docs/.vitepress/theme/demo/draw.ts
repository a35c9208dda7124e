/**
 * Turns a drawing (white strokes on black, any size) into an MNIST-style 28x28 digit, as MNIST's own
 * preprocessing did: the digit's bounding box scaled to fit 20x20 (aspect kept), then placed in a 28x28
 * field with its centre of mass at the centre. Returns null for an empty drawing.
 */
export function digitFromCanvas(source: HTMLCanvasElement): Float32Array | null {
  const ctx = source.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  const { width, height } = source;
  const pixels = ctx.getImageData(0, 0, width, height).data;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (pixels[(y * width + x) * 4] > 25) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const dw = Math.max(1, Math.round(bw * scale));
  const dh = Math.max(1, Math.round(bh * scale));

  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const sctx = small.getContext('2d', { willReadFrequently: true });
  if (!sctx) return null;
  const render = (dx: number, dy: number) => {
    sctx.fillStyle = '#000';
    sctx.fillRect(0, 0, 28, 28);
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = 'high';
    sctx.drawImage(source, x0, y0, bw, bh, dx, dy, dw, dh);
    const data = sctx.getImageData(0, 0, 28, 28).data;
    const out = new Float32Array(784);
    for (let i = 0; i < 784; i++) out[i] = data[i * 4] / 255;
    return out;
  };
  // First pass centred by the box, then shifted so that the centre of mass lands on (14, 14).
  let dx = (28 - dw) / 2;
  let dy = (28 - dh) / 2;
  const first = render(dx, dy);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const v = first[y * 28 + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  if (mass === 0) return first;
  dx += 14 - mx / mass;
  dy += 14 - my / mass;
  return render(dx, dy);
}

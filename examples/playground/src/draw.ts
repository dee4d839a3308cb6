// Canvas drawing for the demos: a loss/accuracy plot, scatter plots, image grids and heat maps.

/** Loss (left axis, auto-scaled) and accuracy (right axis, 0–1) against the step. */
export function plotCurves(canvas: HTMLCanvasElement, loss: number[], accuracy: number[]): void {
  const g = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  g.clearRect(0, 0, w, h);
  g.strokeStyle = '#ddd';
  g.strokeRect(30, 10, w - 60, h - 40);
  g.fillStyle = '#555';
  g.font = '11px sans-serif';
  g.fillText('step', w / 2 - 10, h - 8);
  const line = (values: number[], lo: number, hi: number, color: string) => {
    if (values.length < 2) return;
    g.strokeStyle = color;
    g.beginPath();
    values.forEach((v, i) => {
      const x = 30 + ((w - 60) * i) / (values.length - 1);
      const y = 10 + (h - 40) * (1 - (v - lo) / (hi - lo || 1));
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    });
    g.stroke();
  };
  const finite = loss.filter(Number.isFinite);
  const [lo, hi] = [Math.min(...finite, Infinity), Math.max(...finite, -Infinity)];
  line(loss, lo, hi, '#d33');
  line(accuracy, 0, 1, '#36c');
  g.fillStyle = '#d33';
  if (finite.length) g.fillText(`loss ${finite[finite.length - 1].toFixed(4)}`, 34, 24);
  g.fillStyle = '#36c';
  if (accuracy.length) g.fillText(`accuracy ${(100 * accuracy[accuracy.length - 1]).toFixed(1)}%`, w - 140, 24);
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324'];

/**
 * Points in 2-D coloured by class, with optional text labels beside them; scaled to fit, or to
 * `bounds` [x0, x1, y0, y1] spanning the whole canvas.
 */
export function scatter(canvas: HTMLCanvasElement, points: ArrayLike<number>, classes: ArrayLike<number>, options: { labels?: string[]; bounds?: [number, number, number, number] } = {}): void {
  const g = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  const n = classes.length;
  const labels = options.labels;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, points[2 * i]);
    x1 = Math.max(x1, points[2 * i]);
    y0 = Math.min(y0, points[2 * i + 1]);
    y1 = Math.max(y1, points[2 * i + 1]);
  }
  const margin = options.bounds ? 0 : 20;
  // Labels are written to the right of their points: leave them room.
  const right = labels ? 60 : margin;
  if (options.bounds) [x0, x1, y0, y1] = options.bounds;
  const sx = (v: number) => margin + ((w - margin - right) * (v - x0)) / (x1 - x0 || 1);
  const sy = (v: number) => h - margin - ((h - 2 * margin) * (v - y0)) / (y1 - y0 || 1);
  g.font = '11px sans-serif';
  for (let i = 0; i < n; i++) {
    g.fillStyle = PALETTE[classes[i] % PALETTE.length];
    g.beginPath();
    g.arc(sx(points[2 * i]), sy(points[2 * i + 1]), labels ? 3 : 2, 0, 2 * Math.PI);
    g.fill();
    if (labels) g.fillText(labels[i], sx(points[2 * i]) + 4, sy(points[2 * i + 1]) - 3);
  }
}

/** Grey images [n, size·size] in [lo, hi] as a grid filling the canvas. */
export function imageGrid(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, n: number, size: number, lo = 0, hi = 1): void {
  clear(canvas);
  const g = canvas.getContext('2d')!;
  const cols = Math.ceil(Math.sqrt(n));
  const cell = Math.floor(canvas.width / cols);
  const img = g.createImageData(size, size);
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = size;
  const t = tmp.getContext('2d')!;
  g.imageSmoothingEnabled = false;
  for (let k = 0; k < n; k++) {
    for (let p = 0; p < size * size; p++) {
      const v = Math.max(0, Math.min(255, (255 * (pixels[k * size * size + p] - lo)) / (hi - lo)));
      img.data.set([v, v, v, 255], 4 * p);
    }
    t.putImageData(img, 0, 0);
    g.drawImage(tmp, (k % cols) * cell + 1, Math.floor(k / cols) * cell + 1, cell - 2, cell - 2);
  }
}

/** Values [rows, cols] in [0, 1] as a two-colour heat map over the whole canvas. */
export function heatmap(canvas: HTMLCanvasElement, values: ArrayLike<number>, rows: number, cols: number): void {
  const g = canvas.getContext('2d')!;
  const cw = canvas.width / cols;
  const ch = canvas.height / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      g.fillStyle = `rgb(${Math.round(255 - 90 * v)}, ${Math.round(200 + 30 * (1 - Math.abs(v - 0.5) * 2))}, ${Math.round(165 + 90 * v)})`;
      g.fillRect(c * cw, r * ch, cw + 1, ch + 1);
    }
  }
}

/** Clears a canvas to white. */
export function clear(canvas: HTMLCanvasElement): void {
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
}

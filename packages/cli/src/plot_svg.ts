/** One epoch's logs, as `soma train` writes them to metrics.jsonl. */
export type EpochLogs = Record<string, number>;

/**
 * Loss and accuracy curves per epoch as an SVG a browser opens: a loss panel and, when the run has
 * accuracies, an accuracy panel; training lines solid, validation dashed.
 */
export function metricsSvg(title: string, epochs: readonly EpochLogs[]): string {
  const keys = [...new Set(epochs.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'epoch');
  const panels = [keys.filter((k) => /loss$/.test(k)), keys.filter((k) => /acc/.test(k))].filter((p) => p.length);
  const W = 640;
  const H = 260;
  const pad = { left: 60, right: 150, top: 30, bottom: 40 };
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
  const parts: string[] = [];
  panels.forEach((series, p) => {
    const y0 = p * H;
    const values = series.flatMap((k) => epochs.map((e) => e[k]).filter((v) => Number.isFinite(v)));
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
    const n = Math.max(1, epochs.length - 1);
    const px = (i: number) => pad.left + ((W - pad.left - pad.right) * i) / n;
    const py = (v: number) => y0 + pad.top + (H - pad.top - pad.bottom) * (1 - (v - lo) / (hi - lo));
    parts.push(`<text x="${W / 2}" y="${y0 + 18}" text-anchor="middle" font-size="14">${p === 0 && series[0].endsWith('loss') ? 'loss' : 'accuracy'} — ${escapeXml(title)}</text>`);
    parts.push(`<line x1="${pad.left}" y1="${y0 + H - pad.bottom}" x2="${W - pad.right}" y2="${y0 + H - pad.bottom}" stroke="#444"/>`);
    parts.push(`<line x1="${pad.left}" y1="${y0 + pad.top}" x2="${pad.left}" y2="${y0 + H - pad.bottom}" stroke="#444"/>`);
    for (let t = 0; t <= 4; t++) {
      const v = lo + ((hi - lo) * t) / 4;
      parts.push(`<text x="${pad.left - 6}" y="${py(v) + 4}" text-anchor="end" font-size="11">${v.toPrecision(3)}</text>`);
    }
    epochs.forEach((_, i) => {
      if (epochs.length <= 12 || i % Math.ceil(epochs.length / 12) === 0) parts.push(`<text x="${px(i)}" y="${y0 + H - pad.bottom + 16}" text-anchor="middle" font-size="11">${i + 1}</text>`);
    });
    parts.push(`<text x="${(W - pad.right + pad.left) / 2}" y="${y0 + H - 6}" text-anchor="middle" font-size="12">epoch</text>`);
    series.forEach((k, s) => {
      const pts = epochs.map((e, i) => (Number.isFinite(e[k]) ? `${px(i).toFixed(1)},${py(e[k]).toFixed(1)}` : null)).filter(Boolean);
      const color = colors[s % colors.length];
      const dash = k.startsWith('val_') ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`);
      parts.push(`<line x1="${W - pad.right + 12}" y1="${y0 + pad.top + 16 * s}" x2="${W - pad.right + 32}" y2="${y0 + pad.top + 16 * s}" stroke="${color}" stroke-width="2"${dash}/>`);
      parts.push(`<text x="${W - pad.right + 38}" y="${y0 + pad.top + 16 * s + 4}" font-size="12">${escapeXml(k)}</text>`);
    });
  });
  const height = Math.max(1, panels.length) * H;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

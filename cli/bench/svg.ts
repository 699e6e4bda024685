/**
 * A grouped bar chart on a logarithmic axis, written as SVG by hand: one
 * group per benchmark row, one bar per path, the value printed above each
 * bar, a legend and axis labels. A cell without a value gets a grey mark
 * saying so (with the reason as a tooltip) instead of a bar.
 */

export interface ChartSeries { name: string; color: string }

export interface ChartSpec {
  title: string;
  subtitle?: string;
  yLabel: string;
  xLabel: string;
  groups: string[];
  series: ChartSeries[];
  /** values[group][series]: a value (> 0), the reason there is none, or null when that cell was not run. */
  values: Array<Array<number | string | null>>;
  format?: (v: number) => string;
}

export const PATH_COLORS: Readonly<Record<string, string>> = {
  native: '#4e79a7', qemu: '#f28e2b', trap: '#e15759', zpoline: '#59a14f',
};

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface LogScale {
  lo: number;
  hi: number;
  /** Pixel y of a value: lo at `bottom`, hi at `top`, decreasing as the value grows. */
  y(v: number): number;
  /** Powers of ten from lo to hi. */
  decades: number[];
}

/** A log scale over whole decades that holds every value. */
export function logScale(values: number[], top: number, bottom: number): LogScale {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  const min = pos.length > 0 ? Math.min(...pos) : 1;
  const max = pos.length > 0 ? Math.max(...pos) : 10;
  const e0 = Math.floor(Math.log10(min));
  let e1 = Math.ceil(Math.log10(max));
  if (e1 <= e0) e1 = e0 + 1;
  const lo = 10 ** e0, hi = 10 ** e1;
  const span = e1 - e0;
  const decades: number[] = [];
  for (let e = e0; e <= e1; e++) decades.push(10 ** e);
  return { lo, hi, decades, y: (v) => bottom - ((Math.log10(v) - e0) / span) * (bottom - top) };
}

function tickLabel(v: number): string {
  if (v >= 1e4) return `1e${Math.round(Math.log10(v))}`;
  if (v >= 1) return String(Math.round(v));
  return String(Number(v.toPrecision(1)));
}

const num = (v: number): string => String(Math.round(v * 10) / 10);

export function renderBarChart(spec: ChartSpec): string {
  const fmt = spec.format ?? ((v: number) => String(Number(v.toPrecision(3))));
  const nS = Math.max(1, spec.series.length);
  const barW = 18, gap = 2;
  const barsW = nS * (barW + gap) - gap;
  const left = 78, right = 20, top = 104, bottom = 78;
  // Wide enough for the bars and for the title and subtitle; groups share the width.
  const textW = Math.max(spec.title.length * 10.5, (spec.subtitle ?? '').length * 6.8);
  const plotW = Math.ceil(Math.max(spec.groups.length * (barsW + 28), 360, textW));
  const groupW = plotW / Math.max(1, spec.groups.length);
  const plotH = 340;
  const width = left + plotW + right;
  const height = top + plotH + bottom;
  const plotBottom = top + plotH;
  const all = spec.values.flat().filter((v): v is number => typeof v === 'number');
  let scale = logScale(all, top, plotBottom);
  // The tallest bar's label must stay below the legend: if it would not, the axis gets one more decade.
  const longest = Math.max(0, ...all.map((v) => fmt(v).length));
  if (all.length > 0 && scale.y(Math.max(...all)) - 4 - longest * 6.8 < 80) scale = logScale([...all, scale.hi * 10], top, plotBottom);
  const o: string[] = [];
  o.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`);
  o.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  o.push(`<text x="${left}" y="26" font-size="17" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle !== undefined) o.push(`<text x="${left}" y="46" font-size="12" fill="#444">${escapeXml(spec.subtitle)}</text>`);
  // Legend
  let lx = left;
  spec.series.forEach((s) => {
    o.push(`<g class="legend"><rect x="${lx}" y="58" width="14" height="14" fill="${s.color}"/><text x="${lx + 19}" y="70" font-size="13">${escapeXml(s.name)}</text></g>`);
    lx += 34 + s.name.length * 8;
  });
  // Grid: every decade labelled, 2x and 5x as faint lines
  o.push(`<g class="grid" font-size="11" text-anchor="end">`);
  scale.decades.forEach((d, i) => {
    const y = num(scale.y(d));
    o.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#bbb" stroke-width="1"/>`);
    o.push(`<text x="${left - 6}" y="${num(scale.y(d) + 4)}">${escapeXml(tickLabel(d))}</text>`);
    if (i < scale.decades.length - 1) {
      for (const m of [2, 5]) {
        const ym = num(scale.y(d * m));
        o.push(`<line x1="${left}" y1="${ym}" x2="${left + plotW}" y2="${ym}" stroke="#e4e4e4" stroke-width="1"/>`);
      }
    }
  });
  o.push(`</g>`);
  // Bars
  spec.groups.forEach((g, gi) => {
    const gx = left + gi * groupW + (groupW - barsW) / 2;
    spec.series.forEach((s, si) => {
      const v = spec.values[gi]?.[si] ?? null;
      const x = gx + si * (barW + gap);
      const cx = x + barW / 2;
      if (typeof v === 'number' && v > 0) {
        const y = scale.y(v);
        const label = fmt(v);
        o.push(`<rect class="bar" data-group="${escapeXml(g)}" data-series="${escapeXml(s.name)}" data-value="${v}" x="${num(x)}" y="${num(y)}" width="${barW}" height="${num(plotBottom - y)}" fill="${s.color}"><title>${escapeXml(`${g}, ${s.name}: ${label}`)}</title></rect>`);
        o.push(`<text class="value" x="${num(cx + 4)}" y="${num(y - 4)}" font-size="11" transform="rotate(-90 ${num(cx + 4)} ${num(y - 4)})">${escapeXml(label)}</text>`);
      } else if (typeof v === 'string') {
        const yb = plotBottom - 4;
        const short = /^not installed/.test(v) ? 'not installed' : 'failed';
        o.push(`<text class="nobar" x="${num(cx + 4)}" y="${yb}" font-size="11" fill="#888" transform="rotate(-90 ${num(cx + 4)} ${yb})"><title>${escapeXml(`${g}, ${s.name}: ${v}`)}</title>× ${short}</text>`);
      }
    });
    o.push(`<text class="group" x="${num(left + gi * groupW + groupW / 2)}" y="${plotBottom + 20}" font-size="13" text-anchor="middle">${escapeXml(g)}</text>`);
  });
  // Axes and their labels
  o.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${plotBottom}" stroke="#333" stroke-width="1"/>`);
  o.push(`<line x1="${left}" y1="${plotBottom}" x2="${left + plotW}" y2="${plotBottom}" stroke="#333" stroke-width="1"/>`);
  const ym = num(top + plotH / 2);
  o.push(`<text x="20" y="${ym}" font-size="13" text-anchor="middle" transform="rotate(-90 20 ${ym})">${escapeXml(spec.yLabel)}</text>`);
  o.push(`<text x="${num(left + plotW / 2)}" y="${plotBottom + 48}" font-size="13" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  o.push(`</svg>`);
  return o.join('\n') + '\n';
}

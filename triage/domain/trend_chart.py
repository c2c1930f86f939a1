"""A small server-side SVG of the last 30 days: contacts per day (bars) and decisions within the
clock (a line). Pure string building; readable without colour (labelled axes and a title)."""
from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 640, 200, 36


def trend_svg(days: list[dict]) -> str:
    if not days:
        return ""
    most = max([d["contacts"] for d in days] + [1])
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / len(days)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             'aria-labelledby="trend-title trend-desc" class="triage-trend">',
             '<title id="trend-title">Contacts per day and decisions within the clock, last 30 days</title>',
             f'<desc id="trend-desc">Bars: contacts received each day (most {most}). '
             'Line: percentage of decisions made within the clock that day.</desc>']
    for i, d in enumerate(days):
        h = inner_h * d["contacts"] / most
        x = PAD + i * step
        parts.append(f'<rect x="{x + 1:.1f}" y="{PAD + inner_h - h:.1f}" width="{max(step - 2, 1):.1f}" '
                     f'height="{h:.1f}" fill="#1d70b8"><title>{escape(d["date"])}: {d["contacts"]} contacts'
                     '</title></rect>')
    points = [(PAD + (i + 0.5) * step, PAD + inner_h * (1 - d["within_clock_pct"] / 100))
              for i, d in enumerate(days) if d["within_clock_pct"] is not None]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0b0c0c" stroke-width="2" '
                     'stroke-dasharray="6 3"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0b0c0c"/>' for x, y in points]
    axis = PAD + inner_h
    parts.append(f'<line x1="{PAD}" y1="{axis}" x2="{WIDTH - PAD}" y2="{axis}" stroke="#505a5f"/>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{escape(days[0]["date"])}</text>')
    parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">'
                 f'{escape(days[-1]["date"])}</text>')
    parts.append(f'<text x="4" y="{PAD - 8}" font-size="11">Contacts (bars, max {most}); '
                 'decisions within clock % (dashed line)</text>')
    parts.append("</svg>")
    return "".join(parts)

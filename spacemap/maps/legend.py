"""Legends: one section per layer, shown while that layer is on the map (all text escaped)."""

from __future__ import annotations

from spacemap.maps.text import esc, number


def item(colour: str, label: str, count: int | None = None, shape: str = "fill") -> str:
    """One legend row: a swatch (fill, dot, ring or line) and its label with an optional count."""
    css = {"fill": "sm-swatch", "dot": "sm-swatch sm-dot", "ring": "sm-swatch sm-ring",
           "line": "sm-swatch sm-line"}[shape]
    style = f"border-top-color:{esc(colour)}" if shape == "line" else (
        f"border-color:{esc(colour)}" if shape == "ring" else f"background:{esc(colour)}")
    counted = f" ({count:,})" if count is not None else ""
    return f'<li><span class="{css}" style="{style}"></span><span>{esc(label)}{counted}</span></li>'


def section(layer_index: int, title: str, rows: list[str], note: str = "") -> str:
    """A legend section tied to a layer by its position in the page's layer list."""
    note_html = f'<div class="note">{esc(note)}</div>' if note else ""
    return (f'<div class="sm-legend-section" data-layer="{layer_index}"><h2>{esc(title)}</h2>'
            f'<ul>{"".join(rows)}</ul>{note_html}</div>')


def class_rows(breaks: list[float], colours: list[str], digits: int, unit: str = "") -> list[str]:
    """Rows for a classed numeric layer: 'up to b1', 'b1 – b2', …, 'over b(n-1)'."""
    rows, low = [], None
    for i, colour in enumerate(colours):
        high = breaks[i] if i < len(breaks) else None
        if low is None:
            label = f"up to {number(high, digits)}{unit}"
        elif high is None:
            label = f"over {number(low, digits)}{unit}"
        else:
            label = f"{number(low, digits)} – {number(high, digits)}{unit}"
        rows.append(item(colour, label))
        low = high
    return rows

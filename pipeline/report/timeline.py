"""The timeline plot: one lane per treaty, one mark per dated event, as inline SVG from matplotlib.

Text stays text in the SVG (searchable, copyable), marks and labels link to the evidence table, and
labels are stacked in tiers so that none overlap.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from datetime import date as Date

import pandas as pd

LABELS_PER_LANE = 14

# Okabe-Ito colours (readable by colour-blind readers) plus a distinct marker per event, so the
# legend works in greyscale too. The order is the legend's: life of a treaty, then its troubles.
EVENT_STYLE = {
    "signed": ("#009E73", "o"),
    "ratified": ("#56B4E9", "s"),
    "in_force": ("#0072B2", "D"),
    "extended": ("#44AA99", "P"),
    "expires": ("#999999", ">"),
    "expired": ("#4D4D4D", "s"),
    "suspended": ("#CC79A7", "^"),
    "withdrawal": ("#E69F00", "v"),
    "violation": ("#B2182B", "X"),
    "unspecified": ("#B0B0B0", "o"),
}


def year_span(value: str) -> tuple[float, float]:
    """The stretch of (fractional) years an ISO date of year, month or day precision covers."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    if len(parts) == 1:
        return year, year + 1
    if len(parts) == 2:
        return year + (parts[1] - 1) / 12, year + parts[1] / 12
    days = Date(year, 12, 31).timetuple().tm_yday
    day = Date(year, parts[1], parts[2]).timetuple().tm_yday
    return year + (day - 1) / days, year + day / days


class TimeAxis:
    """A time axis that squeezes long stretches without events, so that events decades apart (a
    treaty signed in 1987, withdrawn from in 2019) leave room to tell months apart where news is.

    Maps fractional years to axis units: linear inside each stretch with events, and every gap
    longer than `gap` years shrunk to `squeezed` units.
    """

    def __init__(
        self,
        spans: list[tuple[float, float]],
        *,
        gap: float = 4.0,
        margin: float = 0.7,
        squeezed: float = 1.6,
    ):
        stretches: list[list[float]] = []
        for a, b in sorted((a - margin, b + margin) for a, b in spans):
            if stretches and a - stretches[-1][1] <= gap:
                stretches[-1][1] = max(stretches[-1][1], b)
            else:
                stretches.append([a, b])
        if stretches[-1][1] - stretches[0][0] < 4:  # a few months of news still gets a readable axis
            mid = (stretches[0][0] + stretches[-1][1]) / 2
            stretches = [[min(stretches[0][0], mid - 2), max(stretches[-1][1], mid + 2)]]
        self.stretches = [(a, b) for a, b in stretches]
        self.starts, unit = [], 0.0
        for n, (a, b) in enumerate(self.stretches):
            unit += squeezed if n else 0.0
            self.starts.append(unit)
            unit += b - a
        self.length = unit

    def __call__(self, year: float) -> float:
        """The axis unit of a fractional year (years in a squeezed gap are spread over it)."""
        for n, (a, b) in enumerate(self.stretches):
            if year <= b:
                if year >= a or n == 0:
                    return self.starts[n] + (year - a)
                prev_end = self.starts[n - 1] + self.stretches[n - 1][1] - self.stretches[n - 1][0]
                share = (year - self.stretches[n - 1][1]) / (a - self.stretches[n - 1][1])
                return prev_end + share * (self.starts[n] - prev_end)
        return self.starts[-1] + (year - self.stretches[-1][0])

    def gaps(self) -> list[tuple[float, float]]:
        """The squeezed gaps, in axis units."""
        return [
            (self.starts[n - 1] + self.stretches[n - 1][1] - self.stretches[n - 1][0], self.starts[n])
            for n in range(1, len(self.stretches))
        ]

    def ticks(self, pt_per_unit: float) -> list[tuple[float, str]]:
        """(unit, label) of year ticks, at most about one per 42 points, in every stretch."""
        out = []
        for a, b in self.stretches:
            step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if s * pt_per_unit >= 42)
            first = -(-int(a) // step) * step
            first = first if first >= a else first + step
            out += [(self(float(y)), str(y)) for y in range(first, int(b) + 1, step) if a <= y <= b]
        return out


@dataclass
class TimelinePlot:
    """An inline SVG timeline and how many of its marks have a label."""

    svg: str
    labelled: int
    unlabelled: int


def _spread(xs: list[float], gap: float) -> list[float]:
    """Positions at least `gap` apart, in the order of the sorted `xs`, each run of crowded marks
    centred on where its marks belong (so a nudged mark stays as close to its date as it can)."""
    out: list[float] = []
    runs: list[list[int]] = []
    for i, x in enumerate(xs):
        if out and x < out[-1] + gap:
            out.append(out[-1] + gap)
            runs[-1].append(i)
        else:
            out.append(x)
            runs.append([i])
    for n, run in enumerate(runs):
        shift = sum(out[i] - xs[i] for i in run) / len(run)
        if n:
            shift = min(shift, out[run[0]] - (out[runs[n - 1][-1]] + gap))
        for i in run:
            out[i] -= max(shift, 0.0)
    return out


def _stack(items: list[tuple[object, float, float, bool]], right_edge: float, max_tiers: int) -> dict:
    """Place labels in the given order, each in the lowest tier where it overlaps no label of that
    tier, no higher label's stem runs through it and its own stem runs through no lower label."""
    tiers: list[list[tuple[float, float]]] = [[] for _ in range(max_tiers)]
    stems: list[tuple[float, int]] = []
    placed = {}
    for key, x, w, hangs_left in items:
        a, b = (x - w, x - 1) if hangs_left else (x + 1, x + w)
        if a < 0 or b > right_edge:
            continue
        for k in range(max_tiers):
            clash = any(a < hi and lo < b for lo, hi in tiers[k])
            clash = clash or any(a - 1 < sx < b + 1 for sx, sk in stems if sk > k)
            clash = clash or any(lo - 1 < x < hi + 1 for j in range(k) for lo, hi in tiers[j])
            if not clash:
                tiers[k].append((a, b))
                stems.append((x, k))
                placed[key] = (k, hangs_left)
                break
    return placed


def _place_labels(items: list[tuple[object, float, float]], right_edge: float, max_tiers: int) -> dict:
    """Stack labels in tiers above their marks so that no two overlap and no stem crosses a label.

    `items` are (key, stem x, label width) in points; returns {key: (tier, hangs left)} for the
    labels that fit. Labels left of a split hang right of their stems and are stacked from right to
    left, those right of it hang left and are stacked from left to right: that way a label only
    reaches over stems that end below it. Every split is tried (a lane has at most
    LABELS_PER_LANE labels) and the one that fits most labels in fewest tiers wins.
    """
    items = sorted(items, key=lambda it: it[1])
    best, best_score = {}, None
    for split in range(len(items) + 1):
        right = [(key, x, w, False) for key, x, w in reversed(items[:split])]
        left = [(key, x, w, True) for key, x, w in items[split:]]
        for order in (right + left, left + right):
            placed = _stack(order, right_edge, max_tiers)
            score = (len(placed), -max([k for k, _ in placed.values()] or [0]), split)
            if best_score is None or score > best_score:
                best, best_score = placed, score
    return best


# Everything is laid out in points (dpi 72 = the SVG's user unit), so label widths measured by the
# Agg renderer are the widths the browser draws with the same font.
WIDTH, LEFT, RIGHT, BOTTOM = 864.0, 176.0, 18.0, 30.0
LABEL_SIZE, TIER_H, MARK_H, PAD, MAX_TIERS, MIN_GAP = 9.0, 14.0, 18.0, 7.0, 5, 9.5


class _Frame:
    """The plot's horizontal scale: axis units (from `TimeAxis`) to points across the plot and back."""

    def __init__(self, axis: TimeAxis):
        self.axis = axis
        self.plot_w = WIDTH - LEFT - RIGHT
        edge = axis.length * 0.015  # room for the first and last marks
        self.x0, self.x1 = -edge, axis.length + edge

    def to_pt(self, u: float) -> float:
        return (u - self.x0) / (self.x1 - self.x0) * self.plot_w

    def to_u(self, pt: float) -> float:
        return pt / self.plot_w * (self.x1 - self.x0) + self.x0


@dataclass
class _Lane:
    """One treaty's lane, laid out: its heading lines, events, placed labels, tiers used, top and height."""

    head: tuple[list[str], list[str]]
    head_h: float
    events: pd.DataFrame
    placed: dict
    used: int
    top: float
    height: float


def _legend(events: pd.DataFrame, axis: TimeAxis, measure) -> tuple[list[tuple[str, str | None]], int]:
    """The legend's (text, event kind) entries and its number of columns.

    The event kinds present, in EVENT_STYLE's order, plus the squeezed gaps if any. One row across
    the figure when it fits, else two, filled row by row.
    """
    present = {v if v in EVENT_STYLE else "unspecified" for v in events["event"]}
    legend = [(e.replace("_", " "), e) for e in EVENT_STYLE if e in present]
    legend += [("years without events, squeezed", None)] if axis.gaps() else []
    legend_w = sum(measure(t) + 34 for t, _ in legend)
    return legend, len(legend) if legend_w <= WIDTH - 20 else -(-len(legend) // 2)


def _layout_lanes(
    events: pd.DataFrame, lanes: list[tuple[str, str, str]], frame: _Frame, measure
) -> list[_Lane]:
    """Lay out each treaty's lane from the top: mark positions, which labels fit in which tier, heights."""
    axis, out, y = frame.axis, [], 0.0
    for treaty, short, name in lanes:
        lane = events[events["treaty"] == treaty].copy()
        lane["u"] = [axis(sum(year_span(d)) / 2) for d in lane["date"]]
        lane = lane.sort_values(["u", "event"])
        # Marks closer than `MIN_GAP` points (two events of one day, or of a month and a day in it)
        # are nudged right in date order, so each stays visible and clickable.
        lane["pt"] = _spread([frame.to_pt(u) for u in lane["u"]], MIN_GAP)
        # Labels go to the best-reported events; among equals, to the latest (closest to the news).
        wanted = set(
            lane.sort_values(["articles", "mentions", "u"], ascending=[False, False, False]).index[
                :LABELS_PER_LANE
            ]
        )
        items = [(idx, ev["pt"], measure(ev["label"]) + 8) for idx, ev in lane.iterrows() if idx in wanted]
        placed = _place_labels(items, frame.plot_w, MAX_TIERS)
        used = max([k + 1 for k, _ in placed.values()] or [0])
        head = (textwrap.wrap(short, 20) or [short], textwrap.wrap(name, 28) if name != short else [])
        head_h = 12.0 * len(head[0]) + 9.5 * len(head[1])
        height = max(PAD + used * TIER_H + MARK_H + PAD, head_h + 2 * PAD)
        out.append(_Lane(head, head_h, lane, placed, used, y, height))
        y += height
    return out


def _draw_axes(fig, frame: _Frame, lanes_h: float, total_h: float):
    """The axes the lanes are drawn in, with year ticks above and below and a light grid."""
    ax = fig.add_axes((LEFT / WIDTH, BOTTOM / total_h, frame.plot_w / WIDTH, lanes_h / total_h))
    ax.set_xlim(frame.x0, frame.x1)
    ax.set_ylim(lanes_h, 0)
    ax.set_yticks([])
    for side in ("left", "right"):
        ax.spines[side].set_visible(False)
    for side in ("top", "bottom"):
        ax.spines[side].set_color("#9aa4ae")
    ticks = frame.axis.ticks(frame.plot_w / (frame.x1 - frame.x0))
    ax.set_xticks([u for u, _ in ticks], [s for _, s in ticks])
    ax.tick_params(axis="x", labelsize=9, colors="#333", top=True, labeltop=True, length=3)
    ax.grid(axis="x", color="#e6e9ec", linewidth=0.7)
    ax.set_axisbelow(True)
    return ax


def _draw_lane_head(ax, frame: _Frame, lane: _Lane) -> None:
    """The treaty's short name in bold over its full name, centred on the lane, left of the plot."""
    bold, small = lane.head
    head_y = lane.top + (lane.height - lane.head_h) / 2
    ax.text(
        frame.to_u(-10),
        head_y,
        "\n".join(bold),
        ha="right",
        va="top",
        fontsize=10,
        fontweight="bold",
        color="#1d232b",
        clip_on=False,
        parse_math=False,
        linespacing=1.05,
    )
    if small:
        ax.text(
            frame.to_u(-10),
            head_y + 12.0 * len(bold) + 1,
            "\n".join(small),
            ha="right",
            va="top",
            fontsize=7.5,
            color="#5b6570",
            clip_on=False,
            parse_math=False,
            linespacing=1.15,
        )


def _draw_lane(ax, frame: _Frame, lane: _Lane, n: int, marks: dict, stems: list) -> None:
    """Draw a lane's band, line, heading and labels; add its marks and stems to `marks` and `stems`."""
    if n % 2 == 0:
        ax.axhspan(lane.top, lane.top + lane.height, color="#f3f5f7", zorder=0, linewidth=0)
    mark_y = lane.top + PAD + lane.used * TIER_H + MARK_H / 2
    ax.axhline(mark_y, color="#c5ccd3", linewidth=0.8, zorder=1)
    _draw_lane_head(ax, frame, lane)
    for idx, ev in lane.events.iterrows():
        style = ev["event"] if ev["event"] in EVENT_STYLE else "unspecified"
        kind = marks.setdefault(style, {"x": [], "y": [], "s": [], "url": [], "bars": []})
        href = f"#{ev['anchor']}"
        a, b = (frame.axis(v) for v in year_span(ev["date"]))
        if frame.to_pt(b) - frame.to_pt(a) > 3:  # a year or a month: show how much time the date covers
            kind["bars"].append((mark_y, a, b))
        ex = frame.to_u(ev["pt"])
        kind["x"].append(ex)
        kind["y"].append(mark_y)
        kind["s"].append(min(42 + 28 * (ev["articles"] - 1) ** 0.5, 220))
        kind["url"].append(href)
        if idx not in lane.placed:
            continue
        k, hangs_left = lane.placed[idx]
        tier_y = lane.top + PAD + (lane.used - 1 - k) * TIER_H + TIER_H / 2
        stems.append((ex, tier_y, mark_y - 5))
        label = ax.text(
            frame.to_u(ev["pt"] + (-3 if hangs_left else 3)),
            tier_y,
            ev["label"],
            ha="right" if hangs_left else "left",
            va="center",
            fontsize=LABEL_SIZE,
            color="#1d232b",
            parse_math=False,
            zorder=5,
        )
        label.set_url(href)


def _draw_marks(ax, marks: dict, stems: list, gaps: list[tuple[float, float]]) -> None:
    """Marks, bars and stems, one artist per event kind, then the hatched squeezed gaps.

    A large run has hundreds of marks, and one artist per mark is slow to draw and heavy in the SVG.
    """
    for style, kind in marks.items():
        color, marker = EVENT_STYLE[style]
        if kind["bars"]:
            ys, xa, xb = zip(*kind["bars"], strict=True)
            ax.hlines(ys, xa, xb, color=color, linewidth=5, alpha=0.35, zorder=2)
        dots = ax.scatter(
            kind["x"],
            kind["y"],
            s=kind["s"],
            c=color,
            marker=marker,
            edgecolors="white",
            linewidths=0.7,
            zorder=4,
        )
        dots.set_urls(kind["url"])
    if stems:
        sx, sy0, sy1 = zip(*stems, strict=True)
        ax.vlines(sx, sy0, sy1, color="#8d98a3", linewidth=0.7, zorder=3)
    for a, b in gaps:
        ax.axvspan(a, b, facecolor="white", edgecolor="#c9d0d6", hatch="////", linewidth=0, zorder=1.5)


def _draw_legend(fig, legend: list[tuple[str, str | None]], legend_cols: int, total_h: float) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=EVENT_STYLE[e][1],
            color=EVENT_STYLE[e][0],
            markeredgecolor="white",
            markersize=8,
            label=text,
        )
        if e
        else Patch(facecolor="white", edgecolor="#9aa4ae", hatch="////", label=text)
        for text, e in legend
    ]
    # matplotlib fills a legend column by column; order the handles so that it reads row by row.
    rows, long_cols = divmod(len(handles), legend_cols)
    per_col = [rows + 1] * long_cols + [rows] * (legend_cols - long_cols)
    handles = [handles[r * legend_cols + c] for c in range(legend_cols) for r in range(per_col[c])]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(8 / WIDTH, 1 - 3 / total_h),
        ncol=legend_cols,
        frameon=False,
        fontsize=9,
        handletextpad=0.4,
        columnspacing=1.4,
        borderaxespad=0,
    )


def _svg(fig) -> str:
    """The figure as an SVG element to inline in HTML."""
    import matplotlib

    buf = io.StringIO()
    # Text stays text (searchable, copyable, crisp); a fixed salt keeps the SVG's ids stable.
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "claims-report", "hatch.linewidth": 0.6}
    ):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    # The XML prolog and the RDF metadata block mean nothing inside an HTML page.
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg[svg.index("<svg") :], flags=re.S)


def plot_timeline(events: pd.DataFrame, lanes: list[tuple[str, str, str]]) -> TimelinePlot:
    """Draw one lane per treaty; each event a mark with a "DATE event" label linked to `#anchor`.

    `events` has `treaty`, `date`, `event`, `articles`, `mentions`, `label` and `anchor`; `lanes`
    lists (treaty, short name, full name) from top to bottom. Labels are stacked in tiers so none
    overlap; a label that does not fit is left off (its mark stays, and the table lists it).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    fig = Figure(figsize=(WIDTH / 72, 4), dpi=72)
    renderer = FigureCanvasAgg(fig).get_renderer()
    font = FontProperties(size=LABEL_SIZE)

    def measure(text: str) -> float:
        return renderer.get_text_width_height_descent(text, font, ismath=False)[0]

    frame = _Frame(TimeAxis([year_span(d) for d in events["date"]]))
    legend, legend_cols = _legend(events, frame.axis, measure)
    top = 36.0 + 16 * -(-len(legend) // legend_cols)  # the legend, then the year labels above the lanes
    laid = _layout_lanes(events, lanes, frame, measure)
    lanes_h = sum(lane.height for lane in laid)
    total_h = lanes_h + top + BOTTOM
    fig.set_size_inches(WIDTH / 72, total_h / 72)
    ax = _draw_axes(fig, frame, lanes_h, total_h)
    marks: dict[str, dict[str, list]] = {}
    stems: list[tuple[float, float, float]] = []
    for n, lane in enumerate(laid):
        _draw_lane(ax, frame, lane, n, marks, stems)
    _draw_marks(ax, marks, stems, frame.axis.gaps())
    _draw_legend(fig, legend, legend_cols, total_h)
    labelled = sum(len(lane.placed) for lane in laid)
    unlabelled = sum(len(lane.events) - len(lane.placed) for lane in laid)
    return TimelinePlot(svg=_svg(fig), labelled=labelled, unlabelled=unlabelled)

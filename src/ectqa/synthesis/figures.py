"""Figures for a synthesis: forest plot, robvis-style traffic-light plot and summary bar plot.

Each function writes ``<path_stem>.png`` and ``<path_stem>.svg`` and returns the two paths.
matplotlib is imported inside the functions (never at module level) and drives the Agg canvas
through ``matplotlib.figure.Figure``, so pyplot's global state is never touched. Output is
deterministic: a fixed ``svg.hashsalt``, and no dates or software stamps in the metadata.

Judgements follow robvis (McGuinness & Higgins 2021): Low #02C100 ``+``, Some concerns #E2DF07
``-``, High #BF0000 ``x``, No information #4EA1F7 ``?``. The symbol is drawn inside every
circle and every bar segment carries a hatch, so the figures read in greyscale too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ectqa.synthesis.pooling import Pooled

__all__ = [
    "JUDGEMENT_STYLE",
    "forest_plot",
    "traffic_light_plot",
    "summary_bar_plot",
]

#: judgement -> (label, colour, symbol, hatch), in the order the summary bars stack.
JUDGEMENT_STYLE: dict[str, tuple[str, str, str, str]] = {
    "low": ("Low", "#02C100", "+", ""),
    "some_concerns": ("Some concerns", "#E2DF07", "-", "//"),
    "high": ("High", "#BF0000", "x", "xx"),
    "no_information": ("No information", "#4EA1F7", "?", ".."),
}
_SYMBOL_TO_JUDGEMENT = {style[2]: key for key, style in JUDGEMENT_STYLE.items()}
_SYMBOL_TO_JUDGEMENT["×"] = "high"
_SYMBOL_TO_JUDGEMENT["X"] = "high"
_SYMBOL_COLOUR = {
    "low": "black", "some_concerns": "black", "high": "white", "no_information": "black",
}

_RC = {
    "svg.hashsalt": "ectqa",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "path.simplify": False,
}


def _judgement_key(value: Any) -> str:
    """A judgement in any usual spelling -> a JUDGEMENT_STYLE key (unknown -> no_information)."""
    if value is None:
        return "no_information"
    text = str(value).strip()
    if text in _SYMBOL_TO_JUDGEMENT:
        return _SYMBOL_TO_JUDGEMENT[text]
    key = text.lower().replace(" ", "_").replace("-", "_")
    aliases = {"some": "some_concerns", "unclear": "no_information", "no_info": "no_information",
               "moderate": "some_concerns", "serious": "high", "critical": "high"}
    key = aliases.get(key, key)
    return key if key in JUDGEMENT_STYLE else "no_information"


def _domain_label(domain: str) -> str:
    return domain.replace("_", " ").capitalize()


def _save(fig: Any, path_stem: str | Path) -> tuple[Path, Path]:
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png = stem.parent / (stem.name + ".png")
    svg = stem.parent / (stem.name + ".svg")
    # Written atomically: an existing figure is replaced only by a complete one.
    from ectqa.outputs import atomic_write

    atomic_write(png, lambda tmp: fig.savefig(tmp, format="png", dpi=150,
                                              metadata={"Software": None}))
    atomic_write(svg, lambda tmp: fig.savefig(tmp, format="svg",
                                              metadata={"Date": None, "Creator": None}))
    return png, svg


def _judgement_circle(ax: Any, x: float, y: float, key: str, radius: float,
                      fontsize: float) -> None:
    from matplotlib.patches import Circle

    _, colour, symbol, _ = JUDGEMENT_STYLE[key]
    ax.add_patch(Circle((x, y), radius, facecolor=colour, edgecolor="black", linewidth=0.6))
    ax.text(x, y, symbol, ha="center", va="center_baseline", fontsize=fontsize,
            fontweight="bold", color=_SYMBOL_COLOUR[key])


def forest_plot(
    rows: Sequence[Mapping[str, Any]],
    pooled: Pooled,
    path_stem: str | Path,
    title: str,
    judgements: Mapping[str, str] | None = None,
    domains: Sequence[str] | None = None,
) -> tuple[Path, Path]:
    """Forest plot of the studies and the random-effects summary; writes PNG and SVG.

    ``rows``: one dict per study with ``study_id``, ``yi``, ``vi`` and ``n``, in display order
    (top to bottom). Squares are sized by random-effects weight 1/(vi + tau2), whiskers are
    95% CIs; the pooled estimate is a diamond (its 95% CI) with the 95% prediction interval as a
    line through it. ``judgements`` maps study_id to a robvis symbol string, one symbol per
    domain separated by spaces (e.g. ``"+ - x ?"``), drawn as coloured circles right of the
    study; a row may instead carry its string under the key ``"judgements"``. ``domains`` names
    the circles' columns in a caption (D1: ..., D2: ...). Returns the PNG and SVG paths.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon

    from ectqa.synthesis.pooling import Z_975

    k = len(rows)
    yis = [float(r["yi"]) for r in rows]
    ses = [math.sqrt(float(r["vi"])) for r in rows]
    lows = [y - Z_975 * s for y, s in zip(yis, ses, strict=True)]
    highs = [y + Z_975 * s for y, s in zip(yis, ses, strict=True)]
    weights = [1.0 / (float(r["vi"]) + pooled.tau2) for r in rows]
    total_w = sum(weights) or 1.0
    shares = [w / total_w for w in weights]

    symbols: list[list[str]] = []
    for r in rows:
        text = None
        if judgements is not None:
            text = judgements.get(str(r["study_id"]))
        if text is None:
            text = r.get("judgements")
        symbols.append(str(text).split() if text else [])
    n_domains = max((len(s) for s in symbols), default=0)

    x_lo = min(lows + [pooled.pi_lower, pooled.ci_lower, 0.0])
    x_hi = max(highs + [pooled.pi_upper, pooled.ci_upper, 0.0])
    pad = 0.05 * (x_hi - x_lo or 1.0)
    x_lo, x_hi = x_lo - pad, x_hi + pad

    n_lines = k + 3  # header, studies, gap, pooled
    height = 1.2 + 0.28 * n_lines
    rob_width = 0.28 * n_domains + (0.3 if n_domains else 0.0)
    width = 2.6 + 3.6 + 2.6 + rob_width

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
        ratios = [2.6, 3.6, 2.6] + ([rob_width] if n_domains else [])
        axes = fig.subplots(1, len(ratios), sharey=True,
                            gridspec_kw={"width_ratios": ratios, "wspace": 0.02})
        ax_left, ax_plot, ax_right = axes[0], axes[1], axes[2]
        y_study = [k - i for i in range(k)]  # first row on top
        y_pool = -1.0
        y_header = k + 1.2
        for ax in axes:
            ax.set_ylim(y_pool - 1.0, y_header + 0.6)
        for ax in (ax_left, ax_right, *axes[3:]):
            ax.set_axis_off()
            ax.set_xlim(0, 1)

        # Left column: study and n.
        ax_left.text(0.02, y_header, "Study", fontweight="bold", va="center")
        ax_left.text(0.92, y_header, "n", fontweight="bold", va="center", ha="right")
        for y, r in zip(y_study, rows, strict=True):
            ax_left.text(0.02, y, str(r["study_id"]), va="center")
            ax_left.text(0.92, y, str(r.get("n", "")), va="center", ha="right")
        label = f"Random effects ({pooled.method}), k = {pooled.k}"
        ax_left.text(0.02, y_pool, label, fontweight="bold", va="center")
        ax_left.text(0.02, y_pool - 0.6,
                     f"tau² = {pooled.tau2:.3f}, I² = {pooled.i2:.0f}%, Q = {pooled.q:.2f}",
                     va="center", fontsize=7.5)

        # Middle: the plot.
        ax_plot.axvline(0.0, color="black", linewidth=0.8)
        ax_plot.axvline(pooled.estimate, color="grey", linewidth=0.6, linestyle=":")
        max_share = max(shares, default=1.0) or 1.0
        for y, yi, lo, hi, share in zip(y_study, yis, lows, highs, shares, strict=True):
            ax_plot.plot([lo, hi], [y, y], color="black", linewidth=0.9)
            size = 3.0 + 9.0 * math.sqrt(share / max_share)
            ax_plot.plot([yi], [y], marker="s", markersize=size, color="#333333",
                         markeredgecolor="black", linestyle="")
        ax_plot.plot([pooled.pi_lower, pooled.pi_upper], [y_pool, y_pool], color="black",
                     linewidth=0.9, linestyle="--")
        ax_plot.add_patch(Polygon(
            [(pooled.ci_lower, y_pool), (pooled.estimate, y_pool + 0.35),
             (pooled.ci_upper, y_pool), (pooled.estimate, y_pool - 0.35)],
            closed=True, facecolor="#555555", edgecolor="black"))
        ax_plot.set_xlim(x_lo, x_hi)
        ax_plot.tick_params(axis="y", left=False, labelleft=False)
        for side in ("left", "right", "top"):
            ax_plot.spines[side].set_visible(False)
        ax_plot.set_xlabel("Standardised effect (95% CI); dashed: 95% prediction interval")
        fig.suptitle(title, fontweight="bold", fontsize=10)

        # Right column: estimate [CI] and weight.
        ax_right.text(0.05, y_header, "Effect [95% CI]", fontweight="bold", va="center")
        ax_right.text(0.98, y_header, "Weight", fontweight="bold", va="center", ha="right")
        for y, yi, lo, hi, share in zip(y_study, yis, lows, highs, shares, strict=True):
            ax_right.text(0.05, y, f"{yi:5.2f} [{lo:5.2f}, {hi:5.2f}]", va="center",
                          family="DejaVu Sans Mono", fontsize=8)
            ax_right.text(0.98, y, f"{100 * share:.1f}%", va="center", ha="right", fontsize=8)
        ax_right.text(0.05, y_pool,
                      f"{pooled.estimate:5.2f} [{pooled.ci_lower:5.2f}, {pooled.ci_upper:5.2f}]",
                      va="center", fontweight="bold", family="DejaVu Sans Mono", fontsize=8)
        ax_right.text(0.98, y_pool, "100%", va="center", ha="right", fontsize=8)

        # Risk-of-bias circles.
        if n_domains:
            ax_rob = axes[3]
            ax_rob.set_xlim(0, n_domains + 0.5)
            for j in range(n_domains):
                ax_rob.text(j + 0.75, y_header, f"D{j + 1}", ha="center", va="center",
                            fontweight="bold", fontsize=7.5)
            for y, syms in zip(y_study, symbols, strict=True):
                for j, s in enumerate(syms):
                    key = _judgement_key(s)
                    _, colour, symbol, _ = JUDGEMENT_STYLE[key]
                    # A marker stays circular whatever the axes' aspect.
                    ax_rob.plot([j + 0.75], [y], marker="o", markersize=12, linestyle="",
                                markerfacecolor=colour, markeredgecolor="black",
                                markeredgewidth=0.6)
                    ax_rob.text(j + 0.75, y, symbol, ha="center", va="center_baseline",
                                fontsize=7, fontweight="bold", color=_SYMBOL_COLOUR[key])
        if n_domains and domains:
            caption = "   ".join(f"D{j + 1}: {_domain_label(d)}" for j, d in enumerate(domains[:n_domains]))
            fig.text(0.02, 0.12 / height, caption, fontsize=7, va="bottom")
        fig.subplots_adjust(left=0.02, right=0.98, top=1 - 0.45 / height, bottom=0.75 / height)
        return _save(fig, path_stem)


def traffic_light_plot(
    quality: Sequence[Mapping[str, Any]],
    domains: Sequence[str],
    path_stem: str | Path,
) -> tuple[Path, Path]:
    """robvis-style traffic-light plot: one row per study, one column per domain plus Overall.

    ``quality``: dicts like ``{"study_id": "A2001", "domains": {"sample_size": "low", ...},
    "overall": "high"}``; judgements are ``low``, ``some_concerns``, ``high``,
    ``no_information`` (a missing domain is drawn as no information). ``domains`` gives the
    column order; columns are labelled D1, D2, ... and a caption names them. Returns the PNG
    and SVG paths.
    """
    import matplotlib
    from matplotlib.figure import Figure

    cell = 0.45  # inches per grid cell; everything below is laid out in cells
    n_studies = len(quality)
    n_cols = len(domains) + 1
    longest = max((len(str(q["study_id"])) for q in quality), default=5)
    label_w = 0.4 + 0.19 * longest
    grid_w = label_w + n_cols
    caption_rows = max(len(domains), len(JUDGEMENT_STYLE) + 1)
    width = max(grid_w + 0.2, 8.5)
    height = 1.0 + n_studies + 0.4 + 0.5 * caption_rows + 0.3
    x0 = label_w + (width - 0.2 - grid_w) / 2  # centre the grid

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width * cell, height * cell))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_axis_off()
        ax.set_xlim(0, width)
        ax.set_ylim(-height, 0)
        ax.set_aspect("equal")
        top = -0.5  # centre of the header row
        for j in range(n_cols):
            name = f"D{j + 1}" if j < len(domains) else "Overall"
            ax.text(x0 + j + 0.5, top, name, ha="center", va="center", fontweight="bold")
        for i, q in enumerate(quality):
            y = top - 1.0 - i
            ax.text(x0 - 0.15, y, str(q["study_id"]), ha="right", va="center")
            dom = q.get("domains", {}) or {}
            for j, d in enumerate(domains):
                _judgement_circle(ax, x0 + j + 0.5, y, _judgement_key(dom.get(d)), 0.36, 9)
            _judgement_circle(ax, x0 + len(domains) + 0.5, y, _judgement_key(q.get("overall")),
                              0.36, 9)
        # Grid lines between cells, like robvis.
        y_top, y_bottom = top - 0.5, top - 0.5 - n_studies
        for j in range(n_cols + 1):
            ax.plot([x0 + j, x0 + j], [y_top, y_bottom], color="#BBBBBB", linewidth=0.5)
        for i in range(n_studies + 1):
            ax.plot([x0 - label_w, x0 + n_cols], [y_top - i, y_top - i], color="#BBBBBB",
                    linewidth=0.5)
        # Caption naming the domains (left) and the legend (right).
        y = y_bottom - 0.6
        for j, d in enumerate(domains):
            ax.text(0.3, y - 0.5 * j, f"D{j + 1}: {_domain_label(d)}", va="center", fontsize=8)
        lx = width - 3.6
        ax.text(lx - 0.3, y, "Judgement", va="center", fontsize=8, fontweight="bold")
        for j, key in enumerate(JUDGEMENT_STYLE):
            yy = y - 0.5 * (j + 1)
            _judgement_circle(ax, lx, yy, key, 0.2, 7)
            ax.text(lx + 0.35, yy, JUDGEMENT_STYLE[key][0], va="center", fontsize=8)
        return _save(fig, path_stem)


def summary_bar_plot(
    quality: Sequence[Mapping[str, Any]],
    domains: Sequence[str],
    weights: Mapping[str, float] | None,
    path_stem: str | Path,
) -> tuple[Path, Path]:
    """robvis-style weighted summary plot: per domain (and Overall), one horizontal bar split
    into the percentage of studies at each judgement.

    ``weights`` maps study_id to a weight (e.g. inverse-variance weight or n); None weighs every
    study equally, and a study missing from ``weights`` gets weight 0. Segments are coloured
    and hatched (Low plain, Some concerns ``//``, High ``xx``, No information ``..``), and
    segments of 8% or more carry their
    percentage in a white box. Returns the PNG and SVG paths.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    names = [*domains, "overall"]
    shares: list[dict[str, float]] = []
    for d in names:
        counts = dict.fromkeys(JUDGEMENT_STYLE, 0.0)
        for q in quality:
            w = 1.0 if weights is None else float(weights.get(str(q["study_id"]), 0.0))
            value = q.get("overall") if d == "overall" else (q.get("domains", {}) or {}).get(d)
            counts[_judgement_key(value)] += w
        total = sum(counts.values())
        shares.append({key: (100.0 * c / total if total > 0 else 0.0) for key, c in counts.items()})

    height = 1.4 + 0.4 * len(names)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(8.0, height))
        bottom, top = 1.05, 0.15  # inches: x label and legend below, a margin above
        ax = fig.add_axes((0.2, bottom / height, 0.77, 1 - (bottom + top) / height))
        ys = list(range(len(names) - 1, -1, -1))
        for y, share in zip(ys, shares, strict=True):
            left = 0.0
            for key, (_, colour, _, hatch) in JUDGEMENT_STYLE.items():
                width = share[key]
                if width <= 0:
                    continue
                ax.barh(y, width, left=left, height=0.7, color=colour, edgecolor="black",
                        hatch=hatch, linewidth=0.6)
                if width >= 8:
                    ax.text(left + width / 2, y, f"{width:.0f}%", ha="center", va="center",
                            fontsize=7.5, color="black",
                            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                                  "edgecolor": "none"})
                left += width
        ax.set_yticks(ys, [("Overall" if d == "overall" else _domain_label(d)) for d in names])
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.set_xlabel("Studies (%)" + (" weighted" if weights is not None else ""))
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        handles = [
            Patch(facecolor=colour, edgecolor="black", hatch=hatch, label=f"{symbol} {label}")
            for label, colour, symbol, hatch in JUDGEMENT_STYLE.values()
        ]
        fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
        return _save(fig, path_stem)

"""Variation and assurance icons in the NHS Making Data Count style, as inline SVG with words.

Each icon is a small coloured disc with a letter (``H`` higher, ``L`` lower, ``P`` pass, ``F`` fail,
``?`` may pass or fail) and, for variation, an arrow; it is drawn as inline SVG (no image file, no
font) with ``role="img"``, an ``aria-label`` and a ``<title>`` giving its meaning, and it is always
followed by the same meaning in visible words, so that nothing is carried by colour alone (grey-scale
print, colour-blind readers, screen readers). The palette is colour-blind safe: blue for improvement
and pass, orange for concern and fail, purple for a change that is neither, grey for no change; each
colour has at least 4.5:1 contrast with white (the letter) and the words use the house ink.

The words are plain English, not SPC jargon: the Board reads "getting worse (higher)" rather than
"special cause variation of a concerning nature, high".

Examples
--------
>>> variation_key("special_cause_concern", "decrease"), variation_key("common_cause", "increase")
('concern_high', 'common')
>>> VARIATION[variation_key("special_cause_improvement", "decrease")].words
'improving (lower)'
>>> html = variation_icon("special_cause_concern", "decrease")
>>> html.startswith('<span class="lsp-icon lsp-icon-concern_high">') and 'role="img"' in html
True
>>> 'aria-label="Variation: getting worse (higher)"' in html and ">getting worse (higher)</span>" in html
True
>>> "#a5460a" in html  # orange: concern
True
>>> print(assurance_icon(None, words=False))  # doctest: +ELLIPSIS
<span class="lsp-icon lsp-icon-none"><svg ...><title>Assurance: no target to assure</title>...</svg></span>
"""

from __future__ import annotations

import html as _html
from typing import NamedTuple

__all__ = [
    "ASSURANCE",
    "ASSURANCE_ORDER",
    "PALETTE",
    "VARIATION",
    "VARIATION_ORDER",
    "Icon",
    "assurance_icon",
    "assurance_key",
    "icon_html",
    "icon_svg",
    "variation_icon",
    "variation_key",
]

#: Colour-blind-safe fills (blue/orange as the house ``lsp-better``/``lsp-worse``, purple and grey);
#: each has at least 4.5:1 contrast with the white letter drawn on it.
PALETTE = {
    "blue": "#1d4f91",
    "orange": "#a5460a",
    "purple": "#6a3d8f",
    "grey": "#505a5f",
}


class Icon(NamedTuple):
    """One icon: its colour, letter, arrow (``up``/``down``/None) and plain-English words."""

    colour: str
    letter: str
    arrow: str | None
    words: str


#: Variation icons by key (see :func:`variation_key`), in the order of the summary matrix.
VARIATION = {
    "concern_high": Icon("orange", "H", "up", "getting worse (higher)"),
    "concern_low": Icon("orange", "L", "down", "getting worse (lower)"),
    "neutral_high": Icon("purple", "H", "up", "unusual change (higher)"),
    "neutral_low": Icon("purple", "L", "down", "unusual change (lower)"),
    "common": Icon("grey", "–", None, "no significant change"),
    "improvement_high": Icon("blue", "H", "up", "improving (higher)"),
    "improvement_low": Icon("blue", "L", "down", "improving (lower)"),
    "none": Icon("grey", "…", None, "not enough data to judge"),
}
VARIATION_ORDER = tuple(VARIATION)
#: Assurance icons by key (see :func:`assurance_key`).
ASSURANCE = {
    "consistent_fail": Icon("orange", "F", None, "will not meet the target without change"),
    "inconsistent": Icon("grey", "?", None, "may or may not meet the target"),
    "consistent_pass": Icon("blue", "P", None, "will reliably meet the target"),
    "none": Icon("grey", "…", None, "no target to assure"),
}
ASSURANCE_ORDER = tuple(ASSURANCE)


def variation_key(variation: str | None, improvement: str) -> str:
    """The icon key of an SPC variation given the indicator's improvement direction.

    >>> [variation_key(v, "increase") for v in ("special_cause_improvement", "special_cause_concern",
    ...     "special_cause_neutral_low", None)]
    ['improvement_high', 'concern_low', 'neutral_low', 'none']
    """
    if variation is None or variation != variation:  # None or NaN
        return "none"
    if variation == "common_cause":
        return "common"
    if variation in ("special_cause_improvement", "special_cause_concern"):
        better = variation == "special_cause_improvement"
        up = better == (improvement == "increase")
        return f"{'improvement' if better else 'concern'}_{'high' if up else 'low'}"
    if variation in ("special_cause_neutral_high", "special_cause_neutral_low"):
        return "neutral_" + variation.rsplit("_", 1)[1]
    raise ValueError(
        f"variation: {variation!r} is not an SPC variation; use common_cause, "
        "special_cause_improvement, special_cause_concern, special_cause_neutral_high or _low"
    )


def assurance_key(assurance: str | None) -> str:
    """The icon key of an SPC assurance (``none`` when there is no target to assure).

    >>> assurance_key("consistent_pass"), assurance_key(None)
    ('consistent_pass', 'none')
    """
    if assurance is None or assurance != assurance:
        return "none"
    if assurance not in ASSURANCE:
        raise ValueError(
            f"assurance: {assurance!r} is not an SPC assurance; use consistent_pass, "
            "consistent_fail or inconsistent"
        )
    return assurance


def icon_svg(icon: Icon, label: str, size: int = 24) -> str:
    """The inline SVG of one icon, labelled for screen readers (``aria-label`` and ``<title>``).

    >>> svg = icon_svg(VARIATION["improvement_low"], "Variation: improving (lower)")
    >>> svg.count("<title>Variation: improving (lower)</title>"), 'fill="#1d4f91"' in svg, "<path" in svg
    (1, True, True)
    """
    label = _html.escape(label, quote=True)
    parts = [
        f'<svg class="lsp-icon-svg" viewBox="0 0 24 24" width="{size}" height="{size}" role="img" '
        f'aria-label="{label}"><title>{label}</title>',
        f'<circle cx="12" cy="12" r="11" fill="{PALETTE[icon.colour]}"></circle>',
    ]
    x = 9.5 if icon.arrow else 12
    parts.append(
        f'<text x="{x}" y="16.5" text-anchor="middle" font-size="13" font-weight="bold" '
        f'font-family="Arial, sans-serif" fill="#ffffff">{_html.escape(icon.letter)}</text>'
    )
    if icon.arrow == "up":
        parts.append('<path d="M18 6 L21 11 L15 11 Z" fill="#ffffff"></path>')
    elif icon.arrow == "down":
        parts.append('<path d="M18 18 L21 13 L15 13 Z" fill="#ffffff"></path>')
    parts.append("</svg>")
    return "".join(parts)


def icon_html(kind: str, key: str, *, words: bool = True) -> str:
    """The icon of a key of :data:`VARIATION` (``kind="variation"``) or :data:`ASSURANCE`.

    >>> "no target to assure" in icon_html("assurance", "none")
    True
    >>> icon_html("variation", "up")
    Traceback (most recent call last):
    ...
    ValueError: key: 'up' is not a variation icon; use one of concern_high, concern_low, neutral_high, neutral_low, common, improvement_high, improvement_low, none
    """
    table = {"variation": VARIATION, "assurance": ASSURANCE}.get(kind)
    if table is None:
        raise ValueError(f"kind: {kind!r} must be 'variation' or 'assurance'")
    if key not in table:
        raise ValueError(f"key: {key!r} is not a {kind} icon; use one of {', '.join(table)}")
    icon = table[key]
    svg = icon_svg(icon, f"{kind.capitalize()}: {icon.words}")
    text = f'<span class="lsp-icon-text">{_html.escape(icon.words)}</span>' if words else ""
    return f'<span class="lsp-icon lsp-icon-{key}">{svg}{text}</span>'


def variation_icon(variation: str | None, improvement: str, *, words: bool = True) -> str:
    """The variation icon of an SPC result as HTML, followed by its meaning in words.

    >>> "getting worse (lower)" in variation_icon("special_cause_concern", "increase")
    True
    """
    return icon_html("variation", variation_key(variation, improvement), words=words)


def assurance_icon(assurance: str | None, *, words: bool = True) -> str:
    """The assurance icon of an SPC result as HTML, followed by its meaning in words.

    >>> "will reliably meet the target" in assurance_icon("consistent_pass")
    True
    """
    return icon_html("assurance", assurance_key(assurance), words=words)

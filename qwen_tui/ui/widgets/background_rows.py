"""Widgets whose own rows are their background only: one row rendered, repeated.

The chat view shows its own rows only in its padding, around its turns, and every mount or
removal of a turn refreshes the whole view, which empties its styles cache: the next page then
rendered each of its rows again, all the same blank line. Textual's ``BLANK`` does the
repeating too, but paints the blank with the widget's text colour as well (other bytes on the
wire, other snapshots); this keeps Textual's own line.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class BackgroundRows:
    """For a ``Widget`` (a mixin, ahead of it): every row of its own rendering is the same, its
    background (a container's, or a widget whose ``render`` is blank), unless it has a border,
    an outline or a title. A plain mixin: as a ``Widget`` subclass it would take part in the
    widget's CSS type names."""

    def render_lines(self: Widget, crop: Region) -> list[Strip]:
        if crop.height <= 1 or not self._rows_alike:
            return super().render_lines(crop)
        return super().render_lines(Region(crop.x, crop.y, crop.width, 1)) * crop.height

    @property
    def _rows_alike(self: Widget) -> bool:
        """No border, outline or title: its top and bottom rows would differ from the rest."""
        styles = self.styles
        return not (styles.border_top[0] or styles.border_bottom[0] or styles.outline_top[0]
                    or styles.outline_bottom[0] or self.border_title or self.border_subtitle)

"""An update renders only the lines that show: not those its front widgets already cover.

Upstream: ``textual/_compositor.py``, ``Compositor._render_chops`` (Textual 8.2) renders, for
every widget under an update, its whole visible region, then keeps, front to back, the first
piece for each cut of each line. What is behind (the screen, the nested containers, a scrolled
view behind its children) is rendered in full and thrown away, and the lines outside the update
are rendered too, and the widgets beside it, whose pieces the update does not send. A scroll
changes which lines a container shows, so the lines it renders behind its children are lines it
has not rendered before: a page of a resumed session rendered about six widgets per row of the
chat, one of them seen.

Here a widget is rendered only if it overlaps the update, and only for the update's rows where
some cut in its columns is still empty (the same front-to-back order); rows where nothing of it
would be kept are not asked for. Within the update the chops are the ones Textual's would be: a
cut is filled by the first widget, front to back, that covers it, with the same piece of the same
line; outside it a chop may stay empty (``None``), which the update skips as it skips any.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch

#: sha256 of ``inspect.getsource(Compositor._render_chops)`` in Textual 8.2.8.
TEXTUAL_SHA256 = "ca8c3359d7afd0171bda158ab5b846fec5144539e438de5113d76f11eb357f0f"


def _render_chops_of_what_shows(
    self: Compositor, crop: Region, is_rendered_line: Callable[[int], bool]
) -> Sequence[Mapping[int, Strip]]:
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
    intersection = Region.intersection
    crop_overlaps = crop.overlaps
    crop_top, crop_end = crop.y, crop.bottom

    for widget, (region, clip) in self.visible_widgets.items():  # front to back
        if not crop_overlaps(clip):
            continue
        render_region = intersection(region, clip)
        if not crop_overlaps(render_region):  # beside the update: its pieces would not be sent
            continue
        render_x, render_y, render_width, render_height = render_region
        first_cut, last_cut = render_x, render_x + render_width
        shown: list[tuple[int, list[int]]] = []  # (row, its cuts in the widget) where a cut is empty
        for y in range(max(render_y, crop_top), min(render_y + render_height, crop_end)):
            if not is_rendered_line(y):
                continue
            final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
            get_chop = chops[y].get
            # The pieces go to final_cuts[:-1] (the last cut ends the widget, as upstream's zip).
            if any(get_chop(cut) is None for cut in final_cuts[:-1]):
                shown.append((y, final_cuts))
        if not shown:
            continue
        top, bottom = shown[0][0], shown[-1][0] + 1
        strips = widget.render_lines(Region(render_x - region.x, top - region.y, render_width, bottom - top))
        for y, final_cuts in shown:
            chops_line = chops[y]
            cut_strips = strips[y - top].divide([cut - render_x for cut in final_cuts[1:]])
            get_chop = chops_line.get
            for cut, strip in zip(final_cuts, cut_strips):
                if get_chop(cut) is None:
                    chops_line[cut] = strip
    return chops  # type: ignore[return-value]


PATCH = GuardedPatch(__name__, Compositor, "_render_chops", _render_chops_of_what_shows, TEXTUAL_SHA256)
install = PATCH.install

"""A scroll repaints what moved, even after the compositor rebuilt its full map.

Upstream: ``textual/_compositor.py``, ``Compositor.reflow_visible`` (Textual 8.2), the fast
path for a scroll, marks dirty the regions of the widgets whose geometry changed since the last
visible map. But any question about a widget that is off screen (its ``region``, its ``size``:
Textual asks them itself when such a widget is refreshed, restyled or mounted hidden) rebuilds
the full map and sets the visible map to ``None``; the next scroll then compares with nothing,
finds every widget changed, the screen among them, and repaints the whole screen. Paging up
through a resumed session mounts turns off screen all the time, so nearly every page repainted
the sidebar, the prompt and the status bar with the chat (and sent them to the terminal).

When the visible map is gone, the full map is what the screen shows (both ``reflow`` and the
rebuild leave ``_visible_map`` at ``None`` and the screen is rendered from the full map), so
the scroll is compared with it instead: a widget off screen has no visible region and adds
nothing; what moved is repainted, as after any other scroll.
"""

from __future__ import annotations

from textual._compositor import Compositor
from textual.geometry import Size

from qwen_tui.ui.textual_fixes.guarded_patch import GuardedPatch

#: sha256 of ``inspect.getsource(Compositor.reflow_visible)`` in Textual 8.2.8.
TEXTUAL_SHA256 = "cac5dbc453489329836098c8a75cb2790f49b4060ef68bf89dcdfc37c8a3f1b8"


def _reflow_visible_against_what_is_shown(self: Compositor, parent, size: Size) -> set:
    """Reflow only the visible children (Textual's, but compared with the full map when the
    visible one was dropped). Returns the widgets the scroll exposed."""
    self._cuts = None
    self._layers = None
    self._layers_visible = None
    self._visible_widgets = None
    self._full_map_invalidated = True
    self.root = parent
    self.size = size

    old_visible = self._visible_map or {}
    old_map = self._visible_map if self._visible_map is not None else (self._full_map or {})
    map, widgets = self._arrange_root(parent, size, visible_only=True)

    self._visible_map = map
    self.widgets = widgets

    exposed_widgets = map.keys() - old_visible.keys()  # as upstream: every widget, with no visible map
    changes = map.items() ^ old_map.items()  # the change: compared with what the screen shows

    screen_region = size.region
    if screen_region not in self._dirty_regions:
        regions = {
            region
            for region in (map_geometry.clip.intersection(map_geometry.region) for _, map_geometry in changes)
            if region
        }
        self._dirty_regions.update(regions)

    return exposed_widgets


PATCH = GuardedPatch(__name__, Compositor, "reflow_visible", _reflow_visible_against_what_is_shown, TEXTUAL_SHA256)
install = PATCH.install

"""The viewer state: everything the window shows, in one Qt-free, evented object.

Views and controllers read it, write it and observe it (``state.events.<field>.connect``);
none of them reaches into another widget or into the window. Each field emits
``(new, old)`` through psygnal when its value changes (as napari's ``ViewerModel`` does).

Two invariants live here, not in the views, so that nothing stale stays on screen:
- a pinned or hovered cell belongs to one layer and one picture: changing either clears it;
- a message is one thing said once: ``say`` replaces the current one and keeps the past
  ones in ``history`` (newest last, bounded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psygnal import evented

from alexnet_viewer.core.frame.layers import check_layer_name
from alexnet_viewer.core.pictures.edits import Edits

if TYPE_CHECKING:  # frame/ablation.py imports torch; the window starts before torch loads
    from alexnet_viewer.core.frame.ablation import AblationSpec

MESSAGE_HISTORY = 50
WORKSPACES = ("look", "why", "inside", "units", "papers")
MESSAGE_LEVELS = ("info", "warning", "error")


@dataclass(frozen=True)
class PictureRef:
    """Which picture is on screen: ``token`` changes with every new picture (a live source
    keeps one token for all its frames), ``path`` is set for files."""

    token: int
    label: str
    path: Path | None = None
    live: bool = False


@dataclass(frozen=True)
class Cell:
    """A unit position (y, x) of ``layer``'s grid, for ``picture_token``'s picture."""

    layer: str
    y: int
    x: int
    picture_token: int


@dataclass(frozen=True)
class Message:
    text: str
    level: str = "info"  # one of MESSAGE_LEVELS
    needs_answer: bool = False  # an error the user must act on (a dialog), not a fading line

    def __post_init__(self) -> None:
        if self.level not in MESSAGE_LEVELS:
            raise ValueError(f"message level must be one of {MESSAGE_LEVELS}, not {self.level!r}")


@evented
@dataclass(eq=False)
class ViewerState:
    # the picture and what is done to it
    picture: PictureRef | None = None
    edits: Edits = field(default_factory=Edits)
    # where the user looks
    workspace: str = "look"
    layer: str = "conv1"
    channel: int | None = None
    pinned_cell: Cell | None = None
    hover_cell: Cell | None = None
    colormap: str = "viridis"
    channel_order: str = "index"
    # what the user changes in the network or asks of it
    ablations: AblationSpec = ()
    explain_class: int | None = None  # None: the top-1 of the frame on screen
    explain_method: str = "gradcam"
    explain_layer: str = "relu5"
    reference: Any = None  # a frozen Result for A/B, or None
    atlas: Path | None = None
    # the network
    weights: Any = None  # WeightsSpec in use, or None while none is loaded
    weights_status: str = "loading"  # "loading", "ready" or "failed"
    device: str = ""
    result: Any = None  # the Result on screen
    # the room
    presentation: bool = False
    scene: int | None = None
    message: Message | None = None
    history: tuple[Message, ...] = ()

    def __post_init__(self) -> None:
        self.events.layer.connect(self._forget_cells)
        self.events.picture.connect(self._forget_cells_of_old_picture)

    # invariants
    def _forget_cells(self, *_args) -> None:
        self.pinned_cell = None
        self.hover_cell = None

    def _forget_cells_of_old_picture(self, new: PictureRef | None, old: PictureRef | None = None) -> None:
        if new is None or old is None or new.token != old.token:
            self._forget_cells()

    # commands that keep the invariants
    def select_layer(self, name: str) -> None:
        self.layer = check_layer_name(name)

    def select_workspace(self, name: str) -> None:
        if name not in WORKSPACES:
            raise ValueError(f"unknown workspace {name!r}; the workspaces are {', '.join(WORKSPACES)}")
        self.workspace = name

    def cell(self, y: int, x: int) -> Cell | None:
        """A cell of the current layer on the current picture (None without a picture)."""
        if self.picture is None:
            return None
        return Cell(self.layer, int(y), int(x), self.picture.token)

    def cell_is_current(self, cell: Cell | None) -> bool:
        return (
            cell is not None
            and self.picture is not None
            and cell.layer == self.layer
            and cell.picture_token == self.picture.token
        )

    def say(self, text: str, level: str = "info", *, needs_answer: bool = False) -> Message:
        """Show one message (replacing the one shown) and keep it in the history."""
        message = Message(text, level, needs_answer)
        self.history = (*self.history, message)[-MESSAGE_HISTORY:]
        self.message = message
        return message

    def clear_message(self) -> None:
        self.message = None

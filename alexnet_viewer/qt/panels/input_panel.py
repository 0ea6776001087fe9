"""The picture as opened, or the 224x224 crop the network actually sees."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

from alexnet_viewer.core.frame.result import Result
from alexnet_viewer.qt.panels.image_canvas import ImageCanvas
from alexnet_viewer.qt.panels.style import (
    TitledPanel,
    apply_spacing,
    caption_label,
    hint_label,
    set_text_if_changed,
    title_label,
)

NETWORK_VIEW_TEXT = "Network's view 224×224"


class InputPanel(TitledPanel):
    """``view_box`` and ``image_item`` are public so the edit tools (occluder square, crop box)
    can be laid on top; ``picture_shown`` says when what they sit on changed."""

    picture_shown = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.canvas = ImageCanvas(self)
        self.view_box = self.canvas.view_box
        self.image_item = self.canvas.image_item
        self.network_view_button = QPushButton(NETWORK_VIEW_TEXT)
        self.network_view_button.setCheckable(True)
        self.network_view_button.toggled.connect(self._redraw)
        self.hint = hint_label("Input")
        self.caption = caption_label("No picture yet", wrap=True)  # a narrow column wraps it, never cuts it
        # What the outlines laid on the picture mean (receptive fields, a clicked point).
        self.legend = caption_label(wrap=True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.hide()

        header = QHBoxLayout()
        header.setSpacing(8)
        self.title = title_label("Input")
        header.addWidget(self.title, 1)
        header.addWidget(self.network_view_button)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addLayout(header)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.legend)  # in the hint's place while it shows
        layout.addWidget(self.caption)
        self._result: Result | None = None
        self._shown = None  # the array object on screen, so a repeated frame costs nothing

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        # Its picture takes the room there is. As a height-for-width item, a column (the
        # presentation stage's) would hold its preferred height as its least and squeeze the
        # top-5 below it under its own least height: the banner's last line was cut.
        return False

    @property
    def showing_crop(self) -> bool:
        return self.network_view_button.isChecked()

    def set_showing_crop(self, crop: bool) -> None:
        self.network_view_button.setChecked(crop)

    @property
    def picture_shape(self) -> tuple[int, int] | None:
        """(H, W) of the picture as given to the engine (edits applied), shown unless
        the network's view is on."""
        return None if self._result is None else tuple(self._result.image.shape[:2])

    def show_result(self, result: Result) -> None:
        self._result = result
        self._redraw()

    def _redraw(self) -> None:
        if self._result is None:
            return
        result = self._result
        image = result.crop if self.showing_crop else result.shown_picture
        height, width = (result.crop if self.showing_crop else result.image).shape[:2]
        if image is not self._shown:
            self._shown = image
            self.canvas.set_image(image, size=(height, width))
            self.picture_shown.emit()
        what = "what the network sees" if self.showing_crop else "the picture"
        set_text_if_changed(self.caption, f"{what} · {width}×{height} px")

    def set_legend(self, entries: list[tuple[str, str]]) -> None:
        """One line naming each outline on the picture: (colour, words); none hides it. It takes
        the hint's place while it shows (it says what the gestures drew): the picture keeps its
        room."""
        text = " · ".join(f'<span style="color:{colour}">■</span> {words}' for colour, words in entries)
        set_text_if_changed(self.legend, text)
        self.legend.setVisible(bool(entries))
        self.hint.setVisible(not entries)

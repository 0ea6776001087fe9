"""Receptive fields on the picture, both ways.

Hovering a cell of a feature map (a mosaic tile or the channel detail) outlines the part of
the crop that cell sees on the Input panel (on the picture or the network's view) and on
the channel detail's crop; a click pins it (a second click on the same cell lets go).
The other way round, a click on the picture marks that point and lights up the cells of the
current layer whose fields contain it, in every tile of the mosaic and on the detail.
The geometry is core/receptive_field.py's; the boxes are carried onto the picture through
the resize and centre crop (geometry.py).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem

from alexnet_viewer.core.frame.layers import SPATIAL_LAYERS
from alexnet_viewer.core.session import Cell
from alexnet_viewer.qt.inspect.geometry import (
    crop_box_on_picture,
    picture_point_on_crop,
)

HOVER_COLOUR, PIN_COLOUR, POINT_COLOUR = "#4dd0e1", "#ff9e40", "#ff4fd8"
HOVER_PEN = pg.mkPen(HOVER_COLOUR, width=2, style=Qt.PenStyle.DashLine)
PIN_PEN = pg.mkPen(PIN_COLOUR, width=2)
LIT_PEN = pg.mkPen(POINT_COLOUR, width=1)
POINT_BRUSH = pg.mkBrush(POINT_COLOUR)
LEGEND = {
    "hover": (HOVER_COLOUR, "dashed: what the cell under the pointer sees"),
    "pin": (PIN_COLOUR, "what the clicked cell sees"),
    "point": (POINT_COLOUR, "+ the clicked point; the cells that see it are lit in the maps"),
}
OUTSIDE_CROP = "That point is outside the 224×224 crop the network sees"


def receptive_field(layer: str, y: int, x: int):
    from alexnet_viewer.core.inspect.receptive_field import (
        receptive_field as field,  # torch: loaded by now
    )

    return field(layer, y, x)


def cells_seeing(layer: str, py: float, px: float) -> tuple[slice, slice]:
    from alexnet_viewer.core.inspect.receptive_field import cells_seeing as seeing

    return seeing(layer, py, px)


def _outline(view_box, pen, z: float = 30) -> QGraphicsRectItem:
    item = QGraphicsRectItem()
    item.setPen(pen)
    item.setZValue(z)
    item.hide()
    view_box.addItem(item)
    return item


def _marker(view_box) -> pg.ScatterPlotItem:
    item = pg.ScatterPlotItem(size=15, symbol="+", pen=pg.mkPen("#000000", width=1), brush=POINT_BRUSH)
    item.setZValue(31)
    item.hide()
    view_box.addItem(item)
    return item


def _mark(marker: pg.ScatterPlotItem, point: tuple[float, float] | None) -> None:
    """The marker at (x, y), or hidden; untouched when already so. Called with every result:
    a scatter item, even an empty one, costs a millisecond of the GUI thread per paint."""
    if point is None:
        marker.hide()
        return
    if marker.data.size != 1 or (float(marker.data["x"][0]), float(marker.data["y"][0])) != point:
        marker.setData([point[0]], [point[1]])
    marker.show()


def _field_of(cell: Cell | None):
    return receptive_field(cell.layer, cell.y, cell.x) if cell is not None else None


def _box_rect(box) -> QRectF:
    top, left, bottom, right = box
    return QRectF(left, top, right - left, bottom - top)


class ReceptiveFieldOverlay(QObject):
    # (layer, channel, y, x): a cell clicked on the mosaic or the detail (the formula view follows it)
    cell_chosen = Signal(str, int, int, int)

    def __init__(self, state, services, input_panel, maps) -> None:
        super().__init__(services.parent)
        self.state, self.services = state, services
        self.input_panel = input_panel
        self.maps = maps
        self.detail = self.maps.channel_detail
        self.hovered = None  # core ReceptiveField
        self.pinned = None
        self.point: tuple[float, float] | None = None  # a clicked point, crop coordinates (y, x)
        self.lit: tuple[str, slice, slice] | None = None  # (layer, rows, cols) seeing ``point``
        input_box, detail_box = self.input_panel.view_box, self.detail.view_box
        self._hover_items = (_outline(input_box, HOVER_PEN), _outline(detail_box, HOVER_PEN))
        self._pin_items = (_outline(input_box, PIN_PEN), _outline(detail_box, PIN_PEN))
        self._markers = (_marker(input_box), _marker(detail_box))
        self._lit_mosaic = QGraphicsPathItem()
        self._lit_mosaic.setPen(LIT_PEN)
        self._lit_mosaic.setZValue(12)
        self.maps.canvas.view_box.addItem(self._lit_mosaic)
        self._lit_detail = _outline(detail_box, LIT_PEN, z=29)
        self._lit_key = None

        self.maps.cell_hovered.connect(lambda layer, _c, y, x: self.hover(layer, y, x))
        self.maps.cell_left.connect(self.unhover)
        self.maps.cell_clicked.connect(self._on_cell_clicked)
        scene = self.detail.plot_widget.scene()
        scene.sigMouseMoved.connect(self._on_detail_moved)
        scene.sigMouseClicked.connect(self._on_detail_clicked)
        self.detail.plot_widget.installEventFilter(self)  # the pointer leaving the detail
        self.input_panel.canvas.pixel_clicked.connect(self.click_picture)
        self.input_panel.picture_shown.connect(self._place)
        state.events.layer.connect(lambda _name: self._relight())
        state.events.hover_cell.connect(self._on_hover_cell)
        state.events.pinned_cell.connect(self._on_pinned_cell)
        services.result_shown.connect(lambda _result, _job: self._relight())

    # Fields of cells
    def _cell(self, layer: str, y: int, x: int) -> Cell | None:
        picture = self.state.picture
        if picture is None or layer not in SPATIAL_LAYERS:
            return None  # an fc unit sees the whole picture: there is no field to outline
        return Cell(layer, int(y), int(x), picture.token)

    def hover(self, layer: str, y: int, x: int) -> None:
        self.state.hover_cell = self._cell(layer, y, x)

    def unhover(self) -> None:
        self.state.hover_cell = None

    def pin(self, layer: str, y: int, x: int) -> None:
        """Pin the field of cell (y, x) of ``layer``; pinning the pinned cell again lets go."""
        cell = self._cell(layer, y, x)
        self.state.pinned_cell = None if cell == self.state.pinned_cell else cell

    def _on_hover_cell(self, cell: Cell | None) -> None:
        field = _field_of(cell)
        if field != self.hovered:
            self.hovered = field
            self._place()

    def _on_pinned_cell(self, cell: Cell | None) -> None:
        self.pinned = _field_of(cell)
        self._place()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt name
        if event.type() == QEvent.Type.Leave:
            self.unhover()
        return False

    def _on_cell_clicked(self, layer: str, channel: int, y: int, x: int) -> None:
        self.pin(layer, y, x)
        self.cell_chosen.emit(layer, channel, y, x)

    def detail_cell(self, scene_pos: QPointF) -> tuple[str, int, int, int] | None:
        """(layer, channel, y, x) of the detail's map cell under a scene position."""
        selection = self.detail.selection
        image = self.detail.overlay_item.image
        if selection is None or image is None or selection[0] not in SPATIAL_LAYERS:
            return None
        point = self.detail.overlay_item.mapFromScene(scene_pos)
        y, x = int(point.y() // 1), int(point.x() // 1)
        if 0 <= y < image.shape[0] and 0 <= x < image.shape[1]:
            return selection[0], selection[1], y, x
        return None

    def _on_detail_moved(self, scene_pos) -> None:
        cell = self.detail_cell(scene_pos)
        if cell is None:
            self.unhover()
        else:
            self.hover(cell[0], cell[2], cell[3])

    def _on_detail_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        cell = self.detail_cell(event.scenePos())
        if cell is not None:
            self._on_cell_clicked(*cell)

    def _place(self) -> None:
        for field, items in ((self.hovered, self._hover_items), (self.pinned, self._pin_items)):
            self._place_field(field, *items)
        self._place_point()
        shown = (("hover", self.hovered), ("pin", self.pinned), ("point", self.point))
        self.input_panel.set_legend([LEGEND[key] for key, what in shown if what is not None])

    def _place_field(self, field, on_input: QGraphicsRectItem,
                     on_detail: QGraphicsRectItem) -> None:
        if field is None:
            on_input.hide()
            on_detail.hide()
            return
        box = field.clipped()
        on_detail.setRect(_box_rect(box))
        on_detail.show()
        shape = self.input_panel.picture_shape
        if shape is None:
            on_input.hide()
            return
        on_input.setRect(_box_rect(box if self.input_panel.showing_crop else crop_box_on_picture(box, shape)))
        on_input.show()

    # Cells seeing a point
    def click_picture(self, row: float, col: float) -> None:
        """A click on the Input panel at image pixel (row, col) of what it shows."""
        shape = self.input_panel.picture_shape
        if shape is None:
            return
        point = (row, col) if self.input_panel.showing_crop else picture_point_on_crop(row, col, shape)
        if point is None:
            self.state.say(OUTSIDE_CROP)
        self.set_point(point)

    def set_point(self, point: tuple[float, float] | None) -> None:
        """Light up the cells that see crop point (y, x); None clears."""
        self.point = point
        self._place()
        self._relight()

    def _place_point(self) -> None:
        on_input, on_detail = self._markers
        shape = self.input_panel.picture_shape
        if self.point is None or shape is None:
            _mark(on_input, None)
            _mark(on_detail, None)
            return
        y, x = self.point
        _mark(on_detail, (x, y))
        if not self.input_panel.showing_crop:
            y, x = crop_box_on_picture((y, x, y, x), shape)[:2]
        _mark(on_input, (x, y))

    def _relight(self) -> None:
        layer, mosaic = self.maps.shown_layer, self.maps.mosaic
        key = (self.point, layer, None if mosaic is None else (mosaic.grid, mosaic.tile, mosaic.gap, mosaic.order),
               self.detail.selection and self.detail.selection[0])
        if key == self._lit_key:
            return
        self._lit_key = key
        self.lit = None
        path = QPainterPath()
        if self.point is not None and mosaic is not None and layer in SPATIAL_LAYERS:
            rows, cols = cells_seeing(layer, *self.point)
            self.lit = (layer, rows, cols)
            for channel in mosaic.order:
                top, left = mosaic.tile_origin(channel)
                path.addRect(QRectF(left + cols.start, top + rows.start, cols.stop - cols.start, rows.stop - rows.start))
        self._lit_mosaic.setPath(path)
        self._light_detail()

    def _light_detail(self) -> None:
        selection, item = self.detail.selection, self.detail.overlay_item
        if self.point is None or selection is None or selection[0] not in SPATIAL_LAYERS or item.image is None:
            self._lit_detail.hide()
            return
        rows, cols = cells_seeing(selection[0], *self.point)
        cells = QRectF(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start)
        self._lit_detail.setRect(item.mapRectToParent(cells))
        self._lit_detail.show()

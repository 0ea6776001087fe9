"""Every way of getting a picture into the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage

from alexnet_viewer.core.pictures.samples import list_samples, sample_title
from alexnet_viewer.qt.window import picture_sources
from alexnet_viewer.qt.app import GuiOptions, first_picture
from tests.qt.conftest import wait_for_frame, write_picture


def drop(window, mime: QMimeData) -> QDropEvent:
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    return event


def qimage_of(width=40, height=30) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.blue)
    return image


def test_file_dialog_opens_the_chosen_picture_and_remembers_its_folder(make_window, qtbot, picture, monkeypatch):
    asked = []

    def fake_dialog(parent, start_folder):
        asked.append(start_folder)
        return picture

    monkeypatch.setattr(picture_sources, "ask_open_picture", fake_dialog)
    window = make_window()
    window.open_action.trigger()
    result = wait_for_frame(qtbot, window, 1)
    assert result.image.shape == (48, 64, 3)
    assert window.current_path == picture.absolute()
    assert window.settings.last_folder() == picture.parent.absolute()
    window.open_action.trigger()  # the second time the dialog starts in that folder
    assert asked[1] == picture.parent.absolute()


def test_dropping_a_file_url_opens_it(make_window, qtbot, picture):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    event = drop(window, mime)
    assert event.isAccepted()
    wait_for_frame(qtbot, window, 1)
    assert window.current_path == picture.absolute()


def test_dropping_image_data_from_a_browser_opens_it(make_window, qtbot):
    window = make_window()
    mime = QMimeData()
    mime.setImageData(qimage_of(40, 30))
    drop(window, mime)
    result = wait_for_frame(qtbot, window, 1)
    assert result.image.shape == (30, 40, 3)
    assert tuple(result.image[0, 0]) == (0, 0, 255)
    assert window.current_path is None


def test_dropping_encoded_png_bytes_decodes_them_in_the_worker(make_window, qtbot):
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    qimage_of(21, 13).save(buffer, "PNG")
    mime = QMimeData()
    mime.setData("image/png", QByteArray(buffer.data()))
    incoming = picture_sources.picture_from_mime(mime, "dropped")
    assert incoming.data is not None and incoming.array is None
    window = make_window()
    drop(window, mime)
    assert wait_for_frame(qtbot, window, 1).image.shape == (13, 21, 3)


def test_dropping_a_web_address_is_refused_with_a_message(make_window, qtbot):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/cat.jpg")])
    event = drop(window, mime)
    assert not event.isAccepted()
    assert window.messages.isVisible()
    assert "offline" in window.messages.text
    assert window.current_job is None


def test_paste_image_from_clipboard(make_window, qtbot):
    window = make_window()
    QGuiApplication.clipboard().setImage(qimage_of(33, 22))
    window.paste_action.trigger()
    assert wait_for_frame(qtbot, window, 1).image.shape == (22, 33, 3)


def test_paste_file_url_from_clipboard(make_window, qtbot, picture):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    QGuiApplication.clipboard().setMimeData(mime)
    window.paste()
    wait_for_frame(qtbot, window, 1)
    assert window.current_path == picture.absolute()


def test_paste_with_nothing_usable_says_so(make_window):
    window = make_window()
    QGuiApplication.clipboard().setText("hello")
    window.paste()
    assert "no picture on the clipboard" in window.messages.text


def test_an_empty_picture_qt_decoded_is_refused_with_a_sentence():
    with pytest.raises(picture_sources.PictureRefused, match="The picture is empty."):
        picture_sources.picture_from_qimage(QImage())


def test_previous_and_next_walk_the_folder_by_name(make_window, qtbot, tmp_path):
    folder = tmp_path / "walk"
    a, b, c = (write_picture(folder / name) for name in ("a.png", "B.png", "c.jpg"))
    (folder / "notes.txt").write_text("not a picture")
    window = make_window()
    frame = window.open_path(b)
    wait_for_frame(qtbot, window, frame)
    window.next_action.trigger()
    wait_for_frame(qtbot, window, frame + 1)
    assert window.current_path == c.absolute()
    window.opening.next_picture()  # c is the last: nothing happens
    assert "last picture" in window.messages.text
    window.previous_action.trigger()
    window.previous_action.trigger()
    qtbot.waitUntil(lambda: window.current_path == a.absolute(), timeout=30000)


def test_samples_menu_lists_bundled_pictures_with_titles(make_window, qtbot):
    samples = list_samples()
    assert len(samples) >= 1
    assert [path for _, path in samples] == sorted(path for _, path in samples)
    window = make_window()
    titles = [action.text() for action in window.samples_menu.actions()]
    assert titles == [title for title, _ in samples]
    assert all(title[0].isupper() and not title[0].isdigit() for title in titles)
    window.samples_menu.actions()[-1].trigger()
    wait_for_frame(qtbot, window, 1)
    assert window.current_path == samples[-1][1].absolute()


def test_without_an_argument_the_first_sample_is_shown(tmp_path):
    assert first_picture(GuiOptions()) == list_samples()[0][1]
    assert first_picture(GuiOptions(image=Path("x.png"))) == Path("x.png")


@pytest.mark.parametrize(
    "name, title", [("01-cat.png", "Cat"), ("motorcycle_left.jpg", "Motorcycle left"), ("02-coffee.jpg", "Coffee")]
)
def test_sample_titles(name, title):
    assert sample_title(Path(name)) == title


def test_post_frame_runs_a_raw_array(make_window, qtbot):
    window = make_window()
    frame = np.full((50, 70, 3), 128, np.uint8)
    frame_id = window.post_frame(frame)
    result = wait_for_frame(qtbot, window, frame_id)
    assert result.frame_id == frame_id
    assert np.array_equal(result.image, frame)

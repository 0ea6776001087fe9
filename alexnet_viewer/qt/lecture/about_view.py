"""About AlexNet: the facts a lecture needs, each with its source, as a view and a dialog.

The facts are the core's (``core/about.py``); links open in the system browser.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from alexnet_viewer.qt.panels.style import TitledPanel, apply_spacing, title_label

WAITING = "The facts appear once the model is loaded."


def _source_html(fact, link_colour: str) -> str:
    text = html.escape(fact.source)
    if not fact.url:
        return text
    return f'<a href="{html.escape(fact.url, quote=True)}" style="color: {link_colour}">{text}</a>'


def facts_html(facts, link_colour: str = "#1a73e8") -> str:
    if not facts:
        return f"<p>{WAITING}</p>"
    items = "".join(f"<li>{html.escape(fact.text)}<br><i>Source:</i> {_source_html(fact, link_colour)}</li>"
                    for fact in facts)
    return f"<ul>{items}</ul>"


class AboutView(TitledPanel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = title_label("About AlexNet")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        layout = apply_spacing(QVBoxLayout(self))
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        self.show_facts(())

    def show_facts(self, facts) -> None:
        self.facts = tuple(facts)
        # Qt colours links when the HTML is read, not when it is painted: the colour is the
        # palette's of the moment, and is read again when the view moves to a darker stage.
        self.browser.setHtml(facts_html(self.facts, self.palette().color(QPalette.ColorRole.Link).name()))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.show_facts(getattr(self, "facts", ()))


def facts_for(loaded) -> tuple:
    """The core's facts for ``loaded`` (a LoadedModel). Called once the weights are in: it
    reads torchvision's metadata and modules, which must not be imported at startup."""
    from alexnet_viewer.core.lecture.about import about_facts

    return about_facts(loaded)


def show_about_alexnet(window) -> QDialog:
    """Help › About AlexNet: the facts in a window of their own (not modal)."""
    dialog = QDialog(window)
    dialog.setWindowTitle("About AlexNet")
    view = AboutView()
    view.set_title_visible(False)
    presentation = window.presentation
    view.show_facts(presentation.facts)
    presentation.facts_changed.connect(view.show_facts)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view, 1)
    layout.addWidget(buttons)
    dialog.resize(720, 640)
    dialog.view = view
    dialog.show()
    return dialog

"""About AlexNet: the facts a lecture needs as a slide, a view and a dialog: one fact to a
line, its source's number after it, the sources in a footer.

The facts are the core's (``core/lecture/about.py``); links open in the system browser.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from alexnet_viewer.qt.panels.style import TitledPanel, apply_spacing, title_label

WAITING = "The facts appear once the model is loaded."


def _source_html(source: str, url: str | None, link_colour: str) -> str:
    text = html.escape(source)
    if not url:
        return text
    return f'<a href="{html.escape(url, quote=True)}" style="color: {link_colour}">{text}</a>'


def facts_html(facts, link_colour: str = "#1a73e8") -> str:
    """A slide: one fact to a line in large type, each with its source's number; the
    sources, each once, in a footer under a rule (the only links)."""
    if not facts:
        return f"<p>{WAITING}</p>"
    number = {source: index for index, source in enumerate(dict.fromkeys((f.source, f.url) for f in facts), start=1)}
    lines = "".join(f'<p style="margin: 0 0 0.5em 0">{html.escape(fact.text)}'
                    f"&nbsp;[{number[fact.source, fact.url]}]</p>" for fact in facts)
    footer = "<br>".join(f"{index}&nbsp;&nbsp;{_source_html(source, url, link_colour)}"
                         for (source, url), index in number.items())
    return f'<div style="font-size: large">{lines}</div><hr><p>{footer}</p>'


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

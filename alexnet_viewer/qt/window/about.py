"""Help › About: what the viewer shows and how to drive it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


def show_about(window) -> None:
    QMessageBox.about(
        window,
        "About AlexNet Viewer",
        "<b>AlexNet Viewer</b><p>Open a picture and watch AlexNet see it: the conv1 filters, "
        "every layer's feature maps, their statistics and the top-5 guesses.</p>"
        "<p>Open: Ctrl+O, drag and drop, paste (Ctrl+V). Page Up / Page Down browse the folder.</p>"
        "<p>Live: a camera, a video or a folder slideshow (Live menu); Space freezes the frame. "
        "The Edits dock turns, crops, blurs or occludes what the network sees.</p>"
        "<p>Teaching: F11 is presentation mode, driven from the keyboard (? lists the keys); "
        "Ctrl+D saves what is on screen as a scene of a lecture (Lecture menu). "
        "Help › About AlexNet has the facts about the network, with their sources.</p>",
    )

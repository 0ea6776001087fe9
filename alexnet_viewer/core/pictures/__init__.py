"""Picture files: untrusted decoding, folder listing, the bundled samples and the edits applied before a frame."""

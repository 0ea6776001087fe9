"""The unit atlas: for every channel of every conv/relu/pool layer, the pictures of a folder
that excite it most (``build``), stored on disk (``store``), looked up (``lookup``)."""

"""The papers' experiments on the picture on screen (no Qt): ten-crop prediction (Krizhevsky et al.
2012), invariance sweeps and the pictures of the occlusion experiment (Zeiler & Fergus 2014)."""

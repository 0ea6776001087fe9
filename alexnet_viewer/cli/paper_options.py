"""export's flags for the papers' experiments (light: no torch, so ``export -h`` stays instant);
cli/paper_export.py does the work."""

from __future__ import annotations


def add_paper_options(parser) -> None:
    group = parser.add_argument_group("the papers' experiments")
    group.add_argument("--ten-crop", action="store_true",
                       help="predictions.json's top-5 from the softmax averaged over ten crops (Krizhevsky 4.1)")
    group.add_argument("--occlusion", action="store_true",
                       help="explain/occlusion_*: probability, strongest relu5 map and label per square position (Zeiler & Fergus Fig. 7)")
    group.add_argument("--occlusion-window", type=int, metavar="PX", help="the grey square's side (default 48; turns --occlusion on)")
    group.add_argument("--occlusion-stride", type=int, metavar="PX", help="its step (default 16; turns --occlusion on)")

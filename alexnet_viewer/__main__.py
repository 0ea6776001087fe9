from alexnet_viewer.cli.dispatch import main

# The guard keeps worker processes started with "spawn" (macOS, Windows) from re-running the
# command; torchrun's "-m alexnet_viewer" runs this module as __main__ on every rank.
if __name__ == "__main__":
    raise SystemExit(main())

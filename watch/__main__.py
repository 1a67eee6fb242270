"""``python -m watch`` is ``llwatch``."""

from watch.cli import main

if __name__ == "__main__":
    main()

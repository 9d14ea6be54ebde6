"""``python -m auswertung``: the command line tool."""

import sys

from auswertung.cli import main

if __name__ == "__main__":
    sys.exit(main())

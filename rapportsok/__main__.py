"""`python -m rapportsok …`: the same as the `rapportsok` command."""

import sys

from rapportsok.cli import main

sys.exit(main())

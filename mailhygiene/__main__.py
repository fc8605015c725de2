"""`python -m mailhygiene` = the `mailhygiene` command."""

from mailhygiene.cli import main

main()

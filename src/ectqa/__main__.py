"""`python -m ectqa`, the same as the `ectqa` command."""

from ectqa.cli import entry

if __name__ == "__main__":
    entry()

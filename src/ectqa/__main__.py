"""`python -m ectqa`, the same as the `ectqa` command."""

from ectqa.cli import main

if __name__ == "__main__":
    main()

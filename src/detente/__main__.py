"""Run the command line: ``python -m detente``."""

if __name__ == "__main__":
    from detente.cli import main

    main()
